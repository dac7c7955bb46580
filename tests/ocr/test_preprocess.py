"""Pre-processing steps on synthetic pages: each step does its one job, and only that."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from core.errors import BadInput
from ocr.imaging import letter_height, min_letter_px
from ocr.preprocess import (
    PrepareOptions,
    clean_page,
    clear_speckle_fields,
    colour_to_gray,
    denoise,
    deskew,
    despeckle,
    estimate_dpi,
    estimate_orientation,
    estimate_skew,
    is_bilevel,
    line_direction,
    map_box,
    noise_level,
    normalise_background,
    orient_page,
    prepare,
    remove_borders,
    remove_punch_holes,
    turn,
)
from tests.ocr.conftest import CLEAN_PNG
from tests.ocr.synthetic import DPI, rotate_page, signature_page_on_tinted_paper, text_page, with_red_seal

PAGE = text_page()


def _ink(gray: np.ndarray) -> np.ndarray:
    return gray < 128


# --- skew and orientation -------------------------------------------------------------------------


@pytest.mark.parametrize("angle", [-9.2, -3.7, -0.6, 0.4, 2.3, 7.5])
def test_skew_is_found_within_a_tenth_of_a_degree(angle: float) -> None:
    assert estimate_skew(rotate_page(PAGE, angle), DPI) == pytest.approx(angle, abs=0.1)


@pytest.mark.parametrize("angle", [-6.4, 1.7])
def test_deskewed_page_comes_back_level_within_0_3_degrees(angle: float) -> None:
    level, found = deskew(rotate_page(PAGE, angle), DPI)
    assert found == pytest.approx(angle, abs=0.1)
    assert estimate_skew(level, DPI) == pytest.approx(0.0, abs=0.3)


def test_skew_of_a_page_turned_a_quarter_is_measured_against_the_vertical() -> None:
    sideways = turn(rotate_page(PAGE, 2.5), 90)[0]
    assert line_direction(sideways, DPI)[0] == "vertical"
    assert estimate_skew(sideways, DPI, lines="vertical") == pytest.approx(2.5, abs=0.1)


@pytest.mark.parametrize("degrees", [0, 90, 180, 270])
def test_orientation_from_the_script_turns_the_page_upright(degrees: int) -> None:
    scanned = turn(PAGE, degrees)[0]  # the page as scanned, turned `degrees` clockwise
    lines = line_direction(scanned, DPI)[0]
    assert lines == ("vertical" if degrees in (90, 270) else "horizontal")
    upright, score, sure = estimate_orientation(scanned, DPI, lines)
    assert (upright + degrees) % 360 == 0
    assert sure and score > 3


def test_blank_page_has_no_sure_orientation_or_line_direction() -> None:
    blank = np.full((800, 600), 240, np.uint8)
    assert line_direction(blank, DPI) == ("horizontal", 0.0)
    assert estimate_orientation(blank, DPI)[2] is False


@pytest.mark.parametrize(("degrees", "skew"), [(0, 3.0), (90, -2.0), (180, 0.0), (270, 5.0)])
def test_prepare_turns_and_deskews_and_maps_boxes_back(degrees: int, skew: float) -> None:
    framed = PAGE.copy()
    framed[1060:1220, 660:860] = 245
    cv2.rectangle(framed, (700, 1100), (820, 1180), 0, 5)  # a frame to find again
    scanned = turn(rotate_page(framed, skew), degrees)[0]
    prepared = prepare(scanned, DPI)
    assert prepared.orientation == (360 - degrees) % 360
    assert prepared.skew == pytest.approx(skew, abs=0.1)
    assert estimate_skew(prepared.image, DPI) == pytest.approx(0.0, abs=0.3)
    # The mark, found on the prepared page, maps back onto itself on the page as scanned.
    mark = _largest_blob(prepared.image)
    left, top, width, height = map_box(prepared.to_original, *mark)
    expected = _largest_blob(scanned)
    assert abs(left - expected[0]) <= 4 and abs(top - expected[1]) <= 4
    assert abs(width - expected[2]) <= 6 and abs(height - expected[3]) <= 6


def _largest_blob(gray: np.ndarray) -> tuple[int, int, int, int]:
    """The box of the ink component with the largest box: the frame (letters are smaller)."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(_ink(gray).astype(np.uint8))
    boxes = stats[1:, cv2.CC_STAT_WIDTH] * stats[1:, cv2.CC_STAT_HEIGHT]
    left, top, width, height, _ = stats[1 + int(np.argmax(boxes))]
    return int(left), int(top), int(width), int(height)


# --- colour: seals --------------------------------------------------------------------------------


def test_red_seal_is_removed_and_the_print_under_it_kept() -> None:
    centre = (1100, 700)
    rgb = with_red_seal(PAGE, centre)
    gray, found = colour_to_gray(rgb, DPI)
    assert found["seals"] == 1
    ring = np.zeros(PAGE.shape, np.uint8)
    cv2.circle(ring, centre, 140, 1, 7)
    ring_only = (ring > 0) & ~_ink(PAGE)  # ring pixels with no print under them
    assert gray[ring_only].mean() > 230  # gone: paper
    plain = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    assert plain[ring_only].mean() < 170  # the plain grey conversion keeps it dark
    under = (ring > 0) & _ink(PAGE)
    assert under.any() and gray[under].mean() < 90  # black print under the ring stays black


def test_red_rectangle_stamp_is_text_and_kept() -> None:
    rgb = cv2.cvtColor(PAGE, cv2.COLOR_GRAY2RGB)
    cv2.rectangle(rgb, (600, 300), (900, 400), (210, 30, 40), 4)
    cv2.putText(rgb, "KHAN", (660, 370), cv2.FONT_HERSHEY_COMPLEX, 1.5, (210, 30, 40), 4)
    gray, found = colour_to_gray(rgb, DPI)
    assert found["seals"] == 0
    assert (gray[300:400, 600:900] < 128).sum() > 2000  # the stamp's letters and frame remain


def test_gray_page_stored_as_rgb_is_left_to_plain_conversion() -> None:
    rgb = cv2.cvtColor(PAGE, cv2.COLOR_GRAY2RGB)
    gray, found = colour_to_gray(rgb, DPI)
    assert found == {"seals": 0, "colour": False}
    assert np.array_equal(gray, PAGE)


def test_blue_ink_is_removed_only_when_asked() -> None:
    rgb = cv2.cvtColor(PAGE, cv2.COLOR_GRAY2RGB)
    cv2.line(rgb, (200, 2100), (900, 2150), (30, 40, 160), 5)  # a signature stroke
    kept, _ = colour_to_gray(rgb, DPI)
    removed, found = colour_to_gray(rgb, DPI, remove_blue=True)
    assert kept[2120:2130, 500].min() < 100
    assert found["blue_px"] > 0 and removed[2120:2130, 500].min() > 200
    carbon_copy = cv2.cvtColor(PAGE, cv2.COLOR_GRAY2RGB)
    carbon_copy[PAGE < 128] = (40, 50, 150)  # the whole text typed in blue: kept
    kept, found = colour_to_gray(carbon_copy, DPI, remove_blue=True)
    assert found["blue_px"] == 0 and found["blue_share"] > 0.9


# --- borders, holes, background, noise, specks ----------------------------------------------------


def test_dark_copier_border_becomes_paper_and_the_text_stays() -> None:
    page = PAGE.copy()
    page[:, :90] = 15  # dark band along the left edge
    cv2.fillPoly(page, [np.array([[0, 0], [1654, 0], [1654, 40], [0, 70]], np.int32)], 10)  # slanted top
    cleaned, found = remove_borders(page, DPI)
    assert found["borders"] >= 1
    assert cleaned[:, :80].min() > 200 and cleaned[:60, 800].min() > 200
    assert _ink(cleaned[200:2100, 150:1500]).sum() == pytest.approx(
        _ink(PAGE[200:2100, 150:1500]).sum(), rel=0.01
    )


@pytest.mark.parametrize("quality", [20, 25, 40])
def test_no_border_is_found_around_the_text_of_a_sparse_page_on_tinted_paper(quality: int) -> None:
    """A JPEG rings a bright fringe around print on yellowed paper; taken for the paper's own
    brightness it made the paper near the text darker than elsewhere, and on a page with little
    ink that shade (text and all) was whitened as a border."""
    image = signature_page_on_tinted_paper(quality=quality)
    if image is None:
        pytest.skip("Liberation Serif 2 (fonts-liberation2) not installed")
    gray = cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2GRAY)
    cleaned, found = remove_borders(gray, 300)
    assert found["borders"] == 0
    assert (cleaned < 160).sum() == (gray < 160).sum() > 20_000


def test_a_light_shade_touching_the_edge_is_left_to_the_background_step() -> None:
    page = text_page(lines=1)  # so little ink that Otsu's threshold falls between paper and shade
    page[:, :100] = 200  # a shade along the edge, 0.82 of the paper: lighter than any border
    cleaned, found = remove_borders(page, DPI)
    assert found["borders"] == 0 and found["shades"] == 1
    assert (cleaned == page).all()


def _speckled_copy() -> tuple[np.ndarray, np.ndarray]:
    """A bilevel copy of a page whose original was shaded towards one corner: the shade comes
    out as a field of dots, denser towards the corner (a photocopy of a page under uneven light).
    Returns (the copy without the field, with it)."""
    page = np.where(text_page(lines=10) < 128, 0, 255).astype(np.uint8)
    height, width = page.shape
    shade = np.linspace(1, 0, width)[None, :] * np.linspace(0, 1, height)[:, None] * 0.9
    dots = shade + np.random.default_rng(5).normal(0, 0.25, page.shape) > 0.75
    speckled = page.copy()
    speckled[dots] = 0
    return page, speckled


def _letter_height(gray: np.ndarray, floor: float = 0.0) -> float:
    _, _, stats, _ = cv2.connectedComponentsWithStats((gray < 128).astype(np.uint8), connectivity=8)
    return letter_height(stats, floor=floor)


def test_a_field_of_dots_does_not_pass_for_the_letters() -> None:
    page, speckled = _speckled_copy()
    letters = _letter_height(page)
    assert _letter_height(speckled) < min_letter_px(DPI) < letters  # the dots' height
    assert _letter_height(speckled, floor=min_letter_px(DPI)) == pytest.approx(letters, abs=2)
    assert _letter_height(page, floor=min_letter_px(DPI)) == letters


def test_speckle_fields_are_cleared_and_the_print_kept() -> None:
    page, speckled = _speckled_copy()
    cleared, found = clear_speckle_fields(speckled, DPI)
    assert found["fields"] > 0.05
    text = page < 128
    assert (cleared[text] < 128).all()  # every pixel of print stays
    dots = (speckled < 128) & ~text
    assert ((cleared < 128) & dots).sum() < 0.4 * dots.sum()
    assert _letter_height(cleared) == pytest.approx(_letter_height(page), abs=2)
    same, found = clear_speckle_fields(page, DPI)
    assert found["fields"] == 0 and same is page


def test_punch_holes_near_the_edge_are_removed_but_not_a_dot_in_the_text_area() -> None:
    page = PAGE.copy()
    for y in (700, 1500):
        cv2.circle(page, (70, y), 24, 20, -1)  # 6 mm holes, 70 px from the edge
    cv2.circle(page, (820, 1180), 24, 20, -1)  # the same disk mid-page is not a punch hole
    cleaned, found = remove_punch_holes(page, DPI)
    assert found["holes"] == 2
    assert cleaned[690:710, 60:80].min() > 200 and cleaned[1490:1510, 60:80].min() > 200
    assert cleaned[1170:1190, 810:830].max() < 100


def test_uneven_light_and_yellowed_low_contrast_paper_are_flattened() -> None:
    rows, cols = np.mgrid[0 : PAGE.shape[0], 0 : PAGE.shape[1]]
    light = 0.55 + 0.45 * (cols / cols.max())  # dark on the left, bright on the right
    dull = (110 + (PAGE.astype(np.float32) - 20) * (120 / 225)) * light  # ink ~60-110, paper ~130-230
    flat, found = normalise_background(dull.astype(np.uint8), DPI)
    paper, ink = ~_ink(PAGE), PAGE < 60
    assert found["stretched"]
    assert np.percentile(flat[paper], 10) > 230  # the paper is white everywhere
    assert np.median(flat[ink]) < 100  # the ink stands out everywhere
    assert np.median(flat[paper]) - np.median(flat[ink]) > 150
    left, right = flat[:, 150:400][paper[:, 150:400]], flat[:, 1300:1500][paper[:, 1300:1500]]
    assert abs(float(left.mean()) - float(right.mean())) < 5


def test_noise_is_measured_and_filtered_only_on_noisy_pages() -> None:
    rng = np.random.default_rng(3)
    noisy = np.clip(PAGE + rng.normal(0, 14, PAGE.shape), 0, 255).astype(np.uint8)
    assert noise_level(PAGE) < 2 < 8 < noise_level(noisy)
    same, found = denoise(PAGE, DPI)
    assert same is PAGE and found["filtered"] is False
    filtered, found = denoise(noisy, DPI)
    assert found["filtered"] and noise_level(filtered) < noise_level(noisy) / 2


def test_bilevel_pages_are_told_apart_from_sparse_grey_ones() -> None:
    _, bilevel = cv2.threshold(PAGE, 128, 255, cv2.THRESH_BINARY)
    assert is_bilevel(bilevel)
    sparse = np.full((2000, 1500), 250, np.uint8)
    cv2.putText(sparse, "Nguyen Van A", (300, 300), cv2.FONT_HERSHEY_COMPLEX, 1.0, 20, 2, cv2.LINE_AA)
    assert not is_bilevel(sparse) and not is_bilevel(PAGE)


def test_specks_go_and_the_marks_of_text_stay() -> None:
    page = PAGE.copy()
    line = np.full((300, 1654), 245, np.uint8)
    cv2.putText(line, "ai: ij. Ok, j", (200, 150), cv2.FONT_HERSHEY_COMPLEX, 1.0, 20, 2, cv2.LINE_AA)
    page[2000:2300] = line
    rng = np.random.default_rng(5)
    specks = [
        (int(x), int(y)) for x, y in zip(rng.integers(30, 120, 40), rng.integers(100, 2200, 40), strict=True)
    ]
    for x, y in specks:  # dust in the left margin, away from any letter
        page[y - 1 : y + 2, x - 1 : x + 2] = 20
    cleaned, found = despeckle(page, DPI)
    assert found["specks"] >= 35
    assert all(cleaned[y - 1 : y + 2, x - 1 : x + 2].min() > 200 for x, y in specks)
    marks = _ink(page[2000:2300, 150:]) & ~_ink(cleaned[2000:2300, 150:])
    assert marks.sum() == 0  # i and j dots, colon, period and comma all kept


def test_a_handful_of_specks_is_a_clean_page_left_as_it_is() -> None:
    page = PAGE.copy()
    for y in (300, 900, 1500):  # three marks in the margin: fewer than a noisy page's thousands
        page[y - 1 : y + 2, 50:53] = 20
    cleaned, found = despeckle(page, DPI)
    assert np.array_equal(cleaned, page) and found["kept"] == 3


def test_resolution_is_estimated_from_letter_height() -> None:
    with Image.open(CLEAN_PNG) as image:  # body text 13 pt at 300 dpi
        page = np.asarray(image.convert("L"))
    half = cv2.resize(page, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    full, reduced = estimate_dpi(page), estimate_dpi(half)
    assert full is not None and 250 <= full <= 330
    assert reduced is not None and reduced / full == pytest.approx(0.5, abs=0.05)
    assert estimate_dpi(np.full((500, 500), 240, np.uint8)) is None


# --- the pipeline of steps ------------------------------------------------------------------------


def test_low_resolution_page_is_upscaled_and_mapped_back() -> None:
    half = cv2.resize(PAGE, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)  # 100 dpi
    prepared = prepare(half, 100)
    assert prepared.dpi == 300
    assert prepared.image.shape[0] == pytest.approx(half.shape[0] * 3, abs=2)
    assert map_box(prepared.to_original, 300, 600, 30, 60) == (100, 200, 10, 20)


def test_high_resolution_page_is_downscaled_first_and_mapped_back() -> None:
    double = cv2.resize(PAGE, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)  # 600 dpi
    prepared = prepare(double, 600)
    assert [step.name for step in prepared.steps][:2] == ["downscale", "resolution"]
    assert prepared.dpi == 300 and prepared.image.shape[0] == pytest.approx(double.shape[0] / 2, abs=2)
    assert map_box(prepared.to_original, 100, 200, 10, 20) == (200, 400, 20, 40)


def test_resolution_unknown_is_guessed_before_upscaling() -> None:
    prepared = prepare(PAGE, None)  # 11 pt type at 200 dpi, taken for 13 pt at ~140 dpi
    step = next(step for step in prepared.steps if step.name == "resolution")
    assert step.result["source"] == "letter height"
    assert 120 <= step.result["dpi"] <= 220
    assert prepared.dpi == 300 and prepared.image.shape[0] > PAGE.shape[0] * 1.3


def test_steps_are_recorded_timed_and_switchable() -> None:
    rgb = with_red_seal(rotate_page(PAGE, 1.5), (1100, 700))
    prepared = prepare(rgb, DPI)
    names = [step.name for step in prepared.steps]
    assert names == [
        "colour", "resolution", "borders", "punch_holes", "denoise", "background", "deskew",
        "upscale", "orientation", "despeckle",
    ]  # fmt: skip
    assert all(step.seconds >= 0 for step in prepared.steps)
    deskew_step = prepared.steps[names.index("deskew")]
    assert deskew_step.result["angle"] == pytest.approx(1.5, abs=0.1)
    off = PrepareOptions(
        colour=False, borders=False, punch_holes=False, background=False, denoise=False,
        despeckle=False, deskew=False, upscale=False, orientation=False,
    )  # fmt: skip
    bare = prepare(PAGE, DPI, options=off)
    assert [step.name for step in bare.steps] == ["resolution"]
    assert np.array_equal(bare.image, PAGE)


def test_the_input_array_is_never_modified() -> None:
    rgb = with_red_seal(rotate_page(PAGE, 2.0), (1100, 700))
    before = rgb.copy()
    prepare(rgb, DPI, options=PrepareOptions(remove_blue_ink=True, binarise=True))
    assert np.array_equal(rgb, before)


def test_orient_page_keeps_the_cleaned_page() -> None:
    cleaned = clean_page(PAGE, DPI)
    upright = orient_page(cleaned, 180)
    assert upright.orientation == 180 and cleaned.orientation == 0
    assert upright.image.shape == cleaned.image.shape


@pytest.mark.parametrize("shape", [(0, 0), (0, 10), (10, 0), (0, 0, 3)])
def test_a_page_without_pixels_is_bad_input(shape: tuple[int, ...]) -> None:
    with pytest.raises(BadInput, match=r"page has no pixels \(\d+x\d+\)"):
        prepare(np.zeros(shape, np.uint8), DPI)
