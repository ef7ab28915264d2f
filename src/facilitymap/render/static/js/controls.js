// controls.js: Map controls: coordinates, fullscreen, the legend, and the no-basemap banner.

  // ---------------------------------------------------------------- controls
  // Width of the controls on the map's right edge (layers, legend), which a popup avoids
  // unless that would leave it too little room.
  App.prototype.rightControlsWidth = function () {
    var width = 24;
    var corner = this.map.getContainer().querySelectorAll('.leaflet-right .leaflet-control');
    for (var k = 0; k < corner.length; k++) width = Math.max(width, corner[k].offsetWidth + 24);
    return this.map.getSize().x - width > 460 ? width : 24;
  };

  App.prototype.addCoordinates = function () {
    var map = this.map;
    var Coords = L.Control.extend({
      options: { position: 'bottomleft' },
      onAdd: function () {
        var box = el('div', 'leaflet-control fm-coords-control', 'lat, lon');
        box.title = 'Coordinates under the cursor (latitude, longitude; WGS 84)';
        map.on('mousemove', function (e) {
          box.textContent = e.latlng.lat.toFixed(5) + ', ' + L.Util.wrapNum(e.latlng.lng, [-180, 180], true).toFixed(5);
        });
        return box;
      },
    });
    new Coords().addTo(map);
  };

  function fullscreenIcon() {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 16 16');
    svg.setAttribute('width', '16');
    svg.setAttribute('height', '16');
    svg.setAttribute('aria-hidden', 'true');
    var path = document.createElementNS(ns, 'path');
    path.setAttribute('d', 'M1 5V1h4M11 1h4v4M15 11v4h-4M5 15H1v-4');
    path.setAttribute('fill', 'none');
    path.setAttribute('stroke', 'currentColor');
    path.setAttribute('stroke-width', '2');
    svg.appendChild(path);
    return svg;
  }

  App.prototype.addFullscreen = function () {
    var app = document.getElementById('fm-app');
    if (!app.requestFullscreen) return;
    var map = this.map;
    var Full = L.Control.extend({
      options: { position: 'topleft' },
      onAdd: function () {
        var bar = el('div', 'leaflet-bar leaflet-control');
        var button = el('a', 'fm-fullscreen');
        button.appendChild(fullscreenIcon());
        button.href = '#';
        button.setAttribute('role', 'button');
        button.title = 'Full screen';
        button.setAttribute('aria-label', 'Full screen');
        L.DomEvent.on(button, 'click', function (e) {
          L.DomEvent.preventDefault(e);
          L.DomEvent.stopPropagation(e);
          if (document.fullscreenElement) document.exitFullscreen();
          else app.requestFullscreen();
        });
        document.addEventListener('fullscreenchange', function () {
          button.title = document.fullscreenElement ? 'Exit full screen' : 'Full screen';
          map.invalidateSize();
        });
        return add(bar, button);
      },
    });
    new Full().addTo(map);
  };

  App.prototype.addLegend = function () {
    var self = this;
    var Legend = L.Control.extend({
      options: { position: 'bottomright' },
      onAdd: function () {
        var box = el('div', 'leaflet-control fm-legend');
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        var details = (self.legendDetails = el('details'));
        details.open = window.innerWidth > 700 && window.innerHeight > 500;
        add(details, el('summary', null, 'Legend'));
        add(details, el('p', 'fm-rule', VOCAB.rule));
        var table = el('ul', 'fm-legend-list');
        VOCAB.statuses.forEach(function (s, k) {
          var li = el('li', self.counts[k] ? null : 'fm-zero');
          li.setAttribute('data-status', s.key);
          li.title = s.description;
          add(li, glyphImg(k), el('span', 'fm-legend-label', s.label),
            el('span', 'fm-count', ' (' + self.counts[k] + ')'),
            el('span', 'fm-legend-desc', ' ' + s.glyph + ', ' + s.colour));
          add(table, li);
        });
        add(details, table);
        add(details, el('p', 'fm-legend-text',
          'Shape = official position (diamond: denied). Fill = evidence (filled: attested or ' +
          'acknowledged; hollow: reported; dashed: unverified).'));
        var conf = el('p', 'fm-legend-text');
        add(conf, 'Opacity = confidence: ');
        var sample = 0; // a filled glyph shows opacity best
        VOCAB.statuses.forEach(function (s, k) {
          if (s.fill === 'solid' && s.shape === 'circle') sample = k;
        });
        for (var c = VOCAB.confidence.length - 1; c >= 0; c--) {
          add(conf, glyphImg(sample, c, 'fm-glyph-small'), VOCAB.confidence[c].key + ' ');
        }
        add(details, conf);
        var precision = el('p', 'fm-legend-text');
        add(precision, el('span', 'fm-swatch-area'),
          ' Shaded circle or area = where the site may be (location precision); the glyph marks ' +
          'its centre, not an exact spot.');
        add(details, precision);
        var unlocated = self.sites.length - self.located.length;
        if (unlocated) {
          add(details, el('p', 'fm-legend-text',
            unlocated + ' site' + (unlocated > 1 ? 's have' : ' has') +
            ' no location: see the list, not the map.'));
        }
        add(details, el('p', 'fm-legend-text fm-small',
          (self.meta.offline ? 'Everything but the basemap tiles is inside this file; ' :
            'Leaflet is loaded from unpkg.com; ') + 'tiles need the network.'));
        details.addEventListener('toggle', function () {
          self.map.fire('fm-legend-toggle');
        });
        return add(box, details);
      },
    });
    this.legend = new Legend().addTo(this.map);
  };


  App.prototype.addTileBanner = function () {
    var self = this;
    var banner = (this.banner = el('div', 'fm-banner'));
    banner.setAttribute('role', 'status');
    banner.hidden = true;
    add(banner, el('span', null,
      'Basemap tiles could not be loaded (no network?). Sites, borders, legend and list work without them.'));
    var close = el('button', 'fm-banner-close', '\u00d7');
    close.type = 'button';
    close.setAttribute('aria-label', 'Dismiss');
    close.addEventListener('click', function () {
      self.bannerDismissed = true;
      banner.hidden = true;
    });
    add(banner, close);
    L.DomEvent.disableClickPropagation(banner);
    this.map.getContainer().appendChild(banner);
  };

  // Until a tile of the current basemap loads, a tile error means no basemap at all: say
  // so, and fill the countries so the map reads as land and water without it. One tile
  // that loads ends that state (a few failing tiles are normal on a flaky network).
  App.prototype.tilesLoaded = function (ok) {
    if (ok === this.basemapShown) return;
    if (!ok && this.basemapShown) return;
    this.basemapShown = ok;
    this.map.getContainer().classList.toggle('fm-no-tiles', !ok);
    if (this.contextLayer) this.contextLayer.setFillOpacity(ok ? CONTEXT_FILL : 0.92);
    this.banner.hidden = ok || this.bannerDismissed;
  };


