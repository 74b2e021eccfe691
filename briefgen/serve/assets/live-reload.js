(function () {
  var shown = $shown;
  var events = null;
  if (!window.EventSource) return;
  function listen() {
    events = new EventSource("$events_path");
    events.addEventListener("reload", function (event) {
      var now = JSON.parse(event.data);
      if (now.session !== shown.session || now.generation !== shown.generation) {
        events.close();
        location.reload();
      }
    });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.hidden && events) { events.close(); events = null; }
    else if (!document.hidden && !events) { listen(); }
  });
  if (!document.hidden) listen();
})();
