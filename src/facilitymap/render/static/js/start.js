// start.js: Starting the page: reads the payload, builds the App, shows an error if that fails.

  // ---------------------------------------------------------------- start
  function showError(err) {
    var box = el('div', 'fm-error', 'The map could not be built: ' + (err && err.message ? err.message : err));
    document.body.insertBefore(box, document.body.firstChild);
    if (window.console) console.error(err);
  }

  var timings = { script: performance.now() };

  function start() {
    readPayload()
      .then(function (payload) {
        timings.data = performance.now();
        var app = new App(payload);
        timings.built = performance.now();
        // For tests and for the curious: read-only views of what is drawn.
        window.facilitymap = {
          timings: timings, // ms since navigation: script start, data read, map built, drawn
          app: app,
          map: app.map,
          siteCount: app.sites.length,
          drawnIds: function () {
            return app.siteLayer.drawnIds();
          },
          screenPoint: function (id) {
            var site = app.byId[id];
            if (!site || !site.located) return null;
            var p = app.map.latLngToContainerPoint([site.lat, site.lon]);
            var box = app.map.getContainer().getBoundingClientRect();
            return { x: box.left + p.x, y: box.top + p.y };
          },
          openSite: function (id) {
            if (app.byId[id]) app.openSite(app.byId[id], { pan: true });
          },
          // The bytes packed text holds, inflated: how the page reads its data elements.
          inflatePacked: function (text, size) {
            return inflate(unpackText(text, size));
          },
          contextNames: function () {
            if (!app.contextLayer || !app.map.hasLayer(app.countriesLayer)) return [];
            return app.contextLayer.drawnFeatures().map(function (p) {
              return p.iso_a2 || p.name;
            });
          },
        };
        // Ready means drawn: every site in view is on the canvas (the draw the next frame
        // would make, made now).
        var markReady = function () {
          timings.drawn = performance.now();
          document.documentElement.setAttribute('data-fm-ready', 'true');
        };
        app.siteLayer.flush();
        if (app.siteLayer.drawCount) markReady();
        else app.siteLayer.once('drawn', markReady);
      })
      .catch(showError);
  }

  // The data element comes before this script and the details after it: start now, not
  // once the parser has read the details (most of a large page).
  if (document.getElementById('fm-data')) start();
  else document.addEventListener('DOMContentLoaded', start);
