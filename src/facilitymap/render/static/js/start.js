// start.js: Starting the page: reads the payload, builds the App, shows an error if that fails.

  // ---------------------------------------------------------------- start
  function showError(err, what) {
    var box = el('div', 'fm-error', (what || 'The map could not be built: ') + (err && err.message ? err.message : err));
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
          timings: timings, // ms since navigation: script start, data read, map built, drawn, shown, ready
          app: app,
          map: app.map,
          siteCount: app.sites.length,
          drawnIds: function () {
            return app.siteLayer.drawnIds();
          },
          screenPoint: function (id) {
            var site = app.byId.get(id);
            if (!site || !site.located) return null;
            var p = app.map.latLngToContainerPoint([site.lat, site.lon]);
            var box = app.map.getContainer().getBoundingClientRect();
            return { x: box.left + p.x, y: box.top + p.y };
          },
          openSite: function (id) {
            var site = app.byId.get(id);
            if (site) app.openSite(site, { pan: true });
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
        // Drawn: every site in view is on the canvas (the draw the next frame would make,
        // made now). Ready: the search words and timeline steps are read too, after that
        // frame is shown.
        var markReady = function () {
          timings.ready = performance.now();
          document.documentElement.setAttribute('data-fm-ready', 'true');
        };
        var markDrawn = function () {
          timings.drawn = performance.now();
          document.documentElement.setAttribute('data-fm-drawn', 'true');
          afterNextPaint(function () {
            timings.shown = performance.now(); // the frame with every site is out
            app
              .readLater()
              .catch(function (err) {
                if (app.timeline) app.timeline.bar.remove();
                showError(err, 'The search words or the timeline could not be read: ');
              })
              .then(markReady);
          });
        };
        app.siteLayer.flush();
        if (app.siteLayer.drawCount) markDrawn();
        else app.siteLayer.once('drawn', markDrawn);
      })
      .catch(showError);
  }

  // After the browser has shown the next frame; a hidden page, or a frame the browser does
  // not render now (an iframe out of view), gets none: then after a while.
  var NO_FRAME_MS = 1000;
  function afterNextPaint(callback) {
    var done = false;
    function once() {
      if (done) return;
      done = true;
      callback();
    }
    if (!document.hidden) {
      requestAnimationFrame(function () {
        setTimeout(once, 0);
      });
    }
    setTimeout(once, document.hidden ? 0 : NO_FRAME_MS);
  }

  // The data element comes before this script and the details after it: start now, not
  // once the parser has read the details (most of a large page).
  if (document.getElementById('fm-data')) start();
  else document.addEventListener('DOMContentLoaded', start);
