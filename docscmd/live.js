// docs serve's live reload: the page knows the build it came from (the
// data-build attribute of this script's tag); the server announces the
// current build on /_fluxly/events, now and after every rebuild. A page of
// another build reloads, and the reloaded page carries the current id, so
// it never reloads again for the same build.
(function () {
  "use strict";
  var me = document.currentScript;
  var mine = me && me.getAttribute("data-build");
  if (!mine || !window.EventSource) {
    return;
  }
  var events = new EventSource(me.src.replace(/live\.js(\?.*)?$/, "events"));
  events.addEventListener("build", function (ev) {
    if (ev.data && ev.data !== mine) {
      events.close();
      window.location.reload();
    }
  });
})();
