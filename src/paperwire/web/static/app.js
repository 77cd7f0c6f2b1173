// Progressive enhancement only: every action works without this file.
// A form sent in the background, asking for the JSON answer its route gives scripts.
function post(form) {
  return fetch(form.action, {
    method: "POST",
    body: new FormData(form),
    headers: { Accept: "application/json" },
    credentials: "same-origin",
  });
}
// Upvotes: send the form in the background and update the count in place.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-vote")) return;
  event.preventDefault();
  const button = form.querySelector("button");
  try {
    const response = await post(form);
    if (response.status === 401) {
      window.location.href = "/login?next=" + encodeURIComponent(window.location.pathname);
      return;
    }
    if (!response.ok) { form.submit(); return; }
    const data = await response.json();
    form.querySelector("[data-count]").textContent = data.upvotes;
    button.classList.toggle("voted", data.voted);
    button.setAttribute("aria-pressed", String(data.voted));
  } catch {
    form.submit();
  }
});
// The share field selects itself on focus, ready to copy.
document.addEventListener("focusin", (event) => {
  if (event.target instanceof HTMLInputElement && event.target.classList.contains("share")) {
    event.target.select();
  }
});
// "Not interested": sent in the background. The button flips to its undo; on For you
// (data-hide="fold") the card also folds away, its undo still in reach.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-hide")) return;
  event.preventDefault();
  const button = form.querySelector("button");
  try {
    const response = await post(form);
    if (!response.ok) { form.submit(); return; }
    const data = await response.json();
    let undo = form.querySelector('input[name="undo"]');
    if (data.not_interested && !undo) {
      undo = document.createElement("input");
      undo.type = "hidden";
      undo.name = "undo";
      undo.value = "1";
      form.append(undo);
    } else if (!data.not_interested && undo) {
      undo.remove();
    }
    button.textContent = data.not_interested ? "Undo not interested" : "Not interested";
    const card = form.closest("article.card");
    if (card && form.dataset.hide === "fold") card.classList.toggle("dismissed", data.not_interested);
  } catch {
    form.submit();
  }
});
