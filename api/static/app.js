// sohoa web page: key sign-in (sessionStorage + cookie, both expiring), review decisions, small conveniences.
// No framework, no CDN. Changes (POST) send the key in the X-API-Key header, never by cookie alone.
"use strict";

const KEY = "sohoaKey";
const COOKIE = "sohoa_key";
const ACCESS = {
  public: "công khai",
  conditional: "tiếp cận có điều kiện",
  not_accessible: "không được tiếp cận (mật)",
  undetermined: "chưa xác định",
};
const OUTCOMES = { accepted: "đã chấp nhận", overridden: "đã sửa", declassified: "đã giải mật" };

// A sign-in lasts this long, and only in this tab (sessionStorage): a staff member who leaves
// the reading-room PC without signing out does not leave the next visitor signed in for long.
const SIGN_IN_SECONDS = 2 * 60 * 60;

function saveKey(key) {
  const until = Date.now() + SIGN_IN_SECONDS * 1000;
  sessionStorage.setItem(KEY, JSON.stringify({ key, until }));
  document.cookie = `${COOKIE}=${encodeURIComponent(key)}; path=/; Max-Age=${SIGN_IN_SECONDS}; SameSite=Strict`;
}

// The key this tab signed in with, if its time is not up (then it is forgotten, cookie too).
function savedKey() {
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
  } catch (_) {}
  if (saved && saved.until > Date.now()) return saved.key;
  if (saved) forgetKey();
  return "";
}

function forgetKey() {
  sessionStorage.removeItem(KEY);
  localStorage.removeItem(KEY); // what versions before kept there
  document.cookie = `${COOKIE}=; path=/; Max-Age=0; SameSite=Strict`;
}

async function signIn(event) {
  event.preventDefault();
  const key = document.getElementById("key").value.trim();
  const message = document.getElementById("login-message");
  const response = await fetch("/whoami", { headers: { "X-API-Key": key } });
  if (!response.ok) {
    message.textContent = "Khóa không hợp lệ hoặc đã bị thu hồi.";
    return;
  }
  const who = await response.json();
  saveKey(key);
  location.href = who.role === "archivist" ? "/ui/review" : "/ui";
}

async function signOut(event) {
  event.preventDefault();
  forgetKey();
  // The server answers Clear-Site-Data: the browser drops its cache of this site too.
  await fetch("/ui/logout", { method: "POST", credentials: "same-origin" }).catch(() => {});
  location.replace("/ui");
}

function decisionOf(form) {
  const data = new FormData(form);
  const decision = { action: data.get("action"), reason: (data.get("reason") || "").trim() };
  if (decision.action === "override") {
    if (data.get("access")) decision.access = data.get("access");
    if ((data.get("retention") || "").trim()) decision.retention = data.get("retention").trim();
    const fields = {};
    for (const name of ["doc_type", "subject", "date"]) {
      const value = (data.get(name) || "").trim();
      if (value) fields[name] = value;
    }
    if (Object.keys(fields).length) decision.fields = fields;
    if (data.get("declassify")) decision.declassify = true;
  }
  return decision;
}

async function submitReview(event) {
  event.preventDefault();
  const form = event.target;
  const message = document.getElementById("review-message");
  const response = await fetch(`/review/${form.dataset.record}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-API-Key": savedKey() },
    body: JSON.stringify(decisionOf(form)),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = Array.isArray(body.detail) ? body.detail.map((d) => d.msg).join("; ") : body.detail;
    message.textContent = `Không ghi được quyết định: ${detail || response.status}`;
    message.className = "message error";
    return;
  }
  const outcome = OUTCOMES[body.event.outcome] || body.event.outcome;
  message.textContent = `Đã ghi quyết định cho hồ sơ ${body.id.slice(0, 12)}: ${outcome}, mức tiếp cận: ${ACCESS[body.access] || body.access}.`;
  message.className = "message ok";
  form.closest(".review-item").classList.add("done");
  form.querySelector("button").disabled = true;
}

// An archivist moves a dossier's document boundaries: POST /dossiers/{id}/split {"at": [3, 7]}.
async function submitSplit(event) {
  event.preventDefault();
  const form = event.target;
  const message = document.getElementById("split-message");
  const text = new FormData(form).get("at") || "";
  const at = text.split(",").map((part) => part.trim()).filter((part) => part !== "").map(Number);
  if (!at.length || at.some((n) => !Number.isInteger(n) || n < 1)) {
    message.textContent = "Nhập số trang, cách nhau bằng dấu phẩy (ví dụ: 1, 3, 7).";
    message.className = "message error";
    return;
  }
  form.querySelector("button").disabled = true;
  message.textContent = "Đang tách lại và đọc lại các văn bản…";
  message.className = "message";
  const response = await fetch(`/dossiers/${form.dataset.dossier}/split`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-API-Key": savedKey() },
    body: JSON.stringify({ at }),
  });
  const body = await response.json().catch(() => ({}));
  form.querySelector("button").disabled = false;
  if (!response.ok) {
    const detail = Array.isArray(body.detail) ? body.detail.map((d) => d.msg).join("; ") : body.detail;
    message.textContent = `Không tách được: ${detail || response.status}`;
    message.className = "message error";
    return;
  }
  message.textContent =
    `Đã tách lại: ${body.documents.length} văn bản (${body.kept.length} giữ nguyên, ` +
    `${body.added.length} đọc lại, ${body.withdrawn.length} rút bỏ). Đang tải lại trang…`;
  message.className = "message ok";
  setTimeout(() => location.reload(), 1200);
}

function toggleOverride(form) {
  const override = form.querySelector('input[name="action"][value="override"]').checked;
  form.querySelector(".override-fields").hidden = !override;
}

// The browser's own message for a field left empty or too short is in the browser's language
// (English on many office PCs): a field with data-invalid says it in Vietnamese instead.
function sayInvalidInVietnamese(field) {
  field.addEventListener("invalid", () => field.setCustomValidity(field.dataset.invalid));
  field.addEventListener("input", () => field.setCustomValidity(""));
}

document.addEventListener("DOMContentLoaded", () => {
  savedKey(); // an expired sign-in is forgotten
  for (const field of document.querySelectorAll("[data-invalid]")) sayInvalidInVietnamese(field);
  document.getElementById("login-form")?.addEventListener("submit", signIn);
  for (const element of document.querySelectorAll("[data-logout]")) element.addEventListener("click", signOut);
  for (const select of document.querySelectorAll("[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }
  document.querySelector(".split-form")?.addEventListener("submit", submitSplit);
  for (const form of document.querySelectorAll(".review-form")) {
    form.addEventListener("submit", submitReview);
    for (const radio of form.querySelectorAll('input[name="action"]')) {
      radio.addEventListener("change", () => toggleOverride(form));
    }
    toggleOverride(form);
  }
});
