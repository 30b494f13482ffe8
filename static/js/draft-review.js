// The plan draft's review page: a candidate's "line N" link scrolls the document pane to that line and marks it,
// without moving the candidates pane (the plain anchor works without this script too).
document.addEventListener("click", (event) => {
  const link = event.target.closest("a.line-link[data-line]");
  if (!link) return;
  const line = document.getElementById(`line-${link.dataset.line}`);
  if (!line) return;
  event.preventDefault();
  document.querySelectorAll("ol.document > li.flash").forEach((li) => li.classList.remove("flash"));
  line.classList.add("flash");
  line.scrollIntoView({ block: "center", behavior: "smooth" });
});
