// Applies the remembered colour theme before the page paints. Loaded
// synchronously from <head>; site.js owns the toggle.
(function () {
  "use strict";
  try {
    var t = window.localStorage.getItem("fluxly-theme");
    if (t === "dark" || t === "light") {
      document.documentElement.setAttribute("data-theme", t);
    }
  } catch (e) {
    // Storage may be unavailable (privacy settings); the system theme applies.
  }
})();
