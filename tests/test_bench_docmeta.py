"""bench/segment_bench.py: which cut document stands for which true document, when the
per-document metadata of a dossier is scored as the pipeline cuts it."""

from bench.segment_bench import match_documents, read_document
from classify import load_rules
from schemas import Page

TRUTH = [(1, 2), (3, 3), (5, 7)]  # page 4: a blank separator sheet


def test_an_exact_cut_matches_page_for_page():
    assert match_documents(TRUTH, [[1, 2], [3], [5, 6, 7]]) == [0, 1, 2]


def test_a_missed_start_loses_the_document_to_the_record_before():
    # page 3 read as a continuation: its document is in the first record, under that one's metadata
    assert match_documents(TRUTH, [[1, 2, 3], [5, 6, 7]]) == [0, None, 1]


def test_a_false_start_inside_a_document_keeps_the_part_on_its_first_page():
    # page 6 taken for a start: the record cut at page 5 stands for the document, [6, 7] for none
    assert match_documents(TRUTH, [[1, 2], [3], [5], [6, 7]]) == [0, 1, 2]
    # the true first page itself not cut as a start (a separator read as text starts the record):
    # the first record inside the document stands for it
    assert match_documents(TRUTH, [[1, 2], [3], [4, 5], [6, 7]]) == [0, 1, 2]


def test_a_record_on_a_separator_alone_stands_for_nothing():
    assert match_documents(TRUTH, [[1, 2], [3], [4], [5, 6, 7]]) == [0, 1, 3]


def test_no_cuts_lose_every_document():
    assert match_documents(TRUTH, []) == [None, None, None]


def test_a_document_is_read_from_its_pages_renumbered_as_the_intake_does():
    first = "\n".join(
        [
            "ỦY BAN NHÂN DÂN",
            "TỈNH NINH BÌNH",
            "Số: 15/QĐ-UBND",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "Ninh Bình, ngày 03 tháng 10 năm 2018",
            "QUYẾT ĐỊNH",
            "Về việc ban hành quy chế",
        ]
    )
    pages = [Page(number=7, text=first), Page(number=8, text="Điều 1. Ban hành quy chế.")]
    extraction, access = read_document(pages, load_rules())
    assert extraction.metadata.number == "15"
    assert extraction.metadata.date.isoformat() == "2018-10-03"
    assert access == "public"
    assert pages[0].number == 7  # the scan's pages are left as they were
    secret, access = read_document([Page(number=7, text="MẬT\n" + first)], load_rules())
    assert (secret.metadata.secrecy, access) == ("MẬT", "not_accessible")
