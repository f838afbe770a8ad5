// "None" and the thematic areas of a network exclude each other: ticking one unticks
// the other (a convenience only; the server refuses both and says so).
document.querySelectorAll("[data-expertise-group]").forEach((group) => {
  const none = group.querySelector('[data-expertise="none"]');
  const areas = group.querySelectorAll('[data-expertise="area"]');
  if (!none) {
    return;
  }
  none.addEventListener("change", () => {
    if (none.checked) {
      areas.forEach((area) => {
        area.checked = false;
      });
    }
  });
  areas.forEach((area) => {
    area.addEventListener("change", () => {
      if (area.checked) {
        none.checked = false;
      }
    });
  });
});
