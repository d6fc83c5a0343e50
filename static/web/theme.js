// Applies the theme chosen on this device before the page paints (no flash of the wrong colours).
(function () {
  try {
    var theme = localStorage.getItem("weft-theme");
    if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
  } catch (e) { /* storage may be unavailable: the system setting applies */ }
})();
