// controls.js: Map controls: coordinates, fullscreen, the legend, and the no-basemap banner.

  // ---------------------------------------------------------------- controls
  // Width of the controls on the map's right edge (layers, legend), which a popup avoids
  // unless that would leave it too little room.
  App.prototype.rightControlsWidth = function () {
    var width = 24;
    var corner = this.map.getContainer().querySelectorAll('.leaflet-right .leaflet-control');
    for (var k = 0; k < corner.length; k++) width = Math.max(width, corner[k].offsetWidth + 24);
    return this.map.getSize().x - width > SITES_ROOM_PX ? width : 24;
  };

  // The least width of map the sites are framed in beside the right-hand controls.
  var SITES_ROOM_PX = 460;
  // The legend's widest (facilitymap.css), and its margin.
  var LEGEND_PX = 340 + 24;

  // Whether the map is wide enough to open with the legend and the layers list spread out
  // beside the sites. It is the map's width that counts, not the window's: beside the site
  // list, a tablet's map is 440-700 px wide, and a spread-out legend covered every site of
  // the Tajik overview at 768x1024 and 820x1180, and 5 of 7 at 1024x768.
  App.prototype.roomyMap = function () {
    return this.map.getSize().x >= LEGEND_PX + SITES_ROOM_PX;
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
        details.open = self.roomyMap() && window.innerHeight > 500;
        add(details, el('summary', null, 'Legend'));
        add(details, el('p', 'fm-rule', VOCAB.rule));
        var table = el('ul', 'fm-legend-list');
        VOCAB.statuses.forEach(function (s, k) {
          var li = el('li', self.counts[k] ? null : 'fm-zero');
          li.setAttribute('data-status', s.key);
          li.setAttribute('data-status-index', String(k));
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
    var banner = (this.banner = el('div', 'leaflet-control fm-banner'));
    banner.setAttribute('role', 'status');
    banner.hidden = true;
    add(banner, el('span', null, 'Basemap tiles could not be loaded (no network?).'),
      el('span', 'fm-banner-more', ' Sites, borders, legend and list work without them.'));
    var close = el('button', 'fm-banner-close', '\u00d7');
    close.type = 'button';
    close.setAttribute('aria-label', 'Dismiss');
    close.addEventListener('click', function () {
      self.bannerDismissed = true;
      banner.hidden = true;
      self.layoutControls();
    });
    add(banner, close);
    L.DomEvent.disableClickPropagation(banner);
    // Added after the legend, so Leaflet stacks it right above it, in the same column.
    var Banner = L.Control.extend({
      options: { position: 'bottomright' },
      onAdd: function () {
        return banner;
      },
    });
    new Banner().addTo(this.map);
  };

  // The "show all" button: the first view frames where most sites are; this fits them all.
  App.prototype.addShowAll = function () {
    var self = this;
    var ShowAll = L.Control.extend({
      options: { position: 'topleft' },
      onAdd: function () {
        var bar = el('div', 'leaflet-bar leaflet-control');
        var button = el('a', 'fm-show-all');
        button.appendChild(showAllIcon());
        button.href = '#';
        button.setAttribute('role', 'button');
        button.title = 'Show all ' + self.located.length + ' sites on the map';
        button.setAttribute('aria-label', button.title);
        L.DomEvent.on(button, 'click', function (e) {
          L.DomEvent.preventDefault(e);
          L.DomEvent.stopPropagation(e);
          self.fitAll();
        });
        return add(bar, button);
      },
    });
    this.showAllControl = new ShowAll().addTo(this.map);
  };

  function showAllIcon() {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 16 16');
    svg.setAttribute('width', '16');
    svg.setAttribute('height', '16');
    svg.setAttribute('aria-hidden', 'true');
    [[3, 4], [12, 3], [8, 9], [2, 13], [13, 12]].forEach(function (p) {
      var dot = document.createElementNS(ns, 'circle');
      dot.setAttribute('cx', p[0]);
      dot.setAttribute('cy', p[1]);
      dot.setAttribute('r', '1.8');
      dot.setAttribute('fill', 'currentColor');
      svg.appendChild(dot);
    });
    return svg;
  }

  // ---------------------------------------------------------------- layout
  // Boxes of the controls on the map (Leaflet's corners, and the Sites button), in map
  // pixels, each with its corner ('tl', 'tr', 'bl', 'br').
  App.prototype.controlBoxes = function () {
    var container = this.map.getContainer();
    var origin = container.getBoundingClientRect();
    var boxes = [];
    function push(node, corner) {
      if (!node || !node.getClientRects().length) return; // not shown
      var r = node.getBoundingClientRect();
      if (!r.width || !r.height) return;
      boxes.push({
        node: node,
        corner: corner,
        left: r.left - origin.left,
        top: r.top - origin.top,
        right: r.right - origin.left,
        bottom: r.bottom - origin.top,
      });
    }
    var corners = this.map._controlCorners;
    ['topleft', 'topright', 'bottomleft', 'bottomright'].forEach(function (name) {
      var corner = (name.charAt(0) === 't' ? 't' : 'b') + (name.indexOf('left') > 0 ? 'l' : 'r');
      var children = corners[name].children;
      for (var k = 0; k < children.length; k++) push(children[k], corner);
    });
    if (this.panelToggle && this.panelToggle.offsetParent) push(this.panelToggle, 'tr');
    if (this.timeline) push(this.timeline.bar, 'bl'); // across the bottom of the map
    return boxes;
  };

  // The legend scrolls within the height left between it and the controls above it, so no
  // two controls overlap at any window size. Called whenever a control changes size.
  App.prototype.layoutControls = function () {
    if (!this.legend || !this.map) return;
    var box = this.legend.getContainer();
    var height = this.map.getSize().y;
    box.style.maxHeight = height + 'px'; // measure at its natural height first
    var boxes = this.controlBoxes();
    var mine = null;
    var limit = 10; // the top margin of the map
    boxes.forEach(function (b) {
      if (b.node === box) mine = b;
    });
    if (!mine) return;
    var stackTop = mine.top; // the controls stacked above the legend (the banner) move with it
    boxes.forEach(function (b) {
      if (b.corner.charAt(0) === 't' && b.right > mine.left - 10 && b.left < mine.right + 10) {
        limit = Math.max(limit, b.bottom + 10);
      }
      if (b.corner === 'br') stackTop = Math.min(stackTop, b.top);
    });
    box.style.maxHeight = Math.max(40, Math.floor(mine.bottom - limit - (mine.top - stackTop))) + 'px';
  };

  // Where a popup may sit without touching a control: either the band beside the right-hand
  // controls (wide maps), or the band between the top and bottom controls (narrow ones),
  // whichever leaves the larger popup. Returns its edges in map pixels.
  App.prototype.popupRoom = function () {
    var size = this.map.getSize();
    var gap = 8;
    var boxes = this.controlBoxes();
    var top = gap;
    var bottom = size.y - gap;
    var leftOfRight = size.x - gap;
    var rightOfTopLeft = gap;
    boxes.forEach(function (b) {
      if (b.corner.charAt(0) === 't') top = Math.max(top, b.bottom + gap);
      else bottom = Math.min(bottom, b.top - gap);
      if (b.corner.charAt(1) === 'r') leftOfRight = Math.min(leftOfRight, b.left - gap);
      if (b.corner === 'tl') rightOfTopLeft = Math.max(rightOfTopLeft, b.right + gap);
    });
    var between = { left: gap, right: size.x - gap, top: top, bottom: bottom };
    var besideBottom = size.y - gap;
    boxes.forEach(function (b) {
      if (b.corner === 'bl' && b.right > rightOfTopLeft) besideBottom = Math.min(besideBottom, b.top - gap);
    });
    var beside = { left: rightOfTopLeft, right: leftOfRight, top: gap, bottom: besideBottom };
    function area(room) {
      var w = Math.min(room.right - room.left, 450);
      var h = room.bottom - room.top;
      return w >= 240 && h >= 160 ? w * h : 0;
    }
    return area(beside) >= area(between) ? beside : between;
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
    this.layoutControls();
    // A popup opened before the banner appeared (a shared link to a site) is fitted again
    // to the room the banner leaves.
    var popup = this.popup;
    if (!ok && popup && popup.fmSite && this.map.hasLayer(popup) && this.byId.get(popup.fmSite)) {
      this.showPopup(this.byId.get(popup.fmSite), popup.getContent(), {});
    }
  };


