// app.js: The application (App): builds the map and its layers, fits the view, loads a site's
// details and opens them.

  // ---------------------------------------------------------------- the application
  function App(payload) {
    var self = this;
    VOCAB = payload.vocab;
    this.meta = payload.meta || {};
    this.payloadContext = payload.context || null;
    this.sites = prepareSites(payload.sites);
    // A Map: an object would make each of 100,000 ids a property name first (~0.3 s here).
    this.byId = new Map();
    for (var k = 0; k < this.sites.length; k++) this.byId.set(this.sites[k].id, this.sites[k]);
    this.visible = VOCAB.statuses.map(function () {
      return true;
    });
    this.selected = -1;
    var located = this.sites.filter(function (s) {
      return s.located;
    });
    this.located = located;
    this.prepareTimeline();
    this.applyDate(null, true);
    // Ordered in Python (facilitymap.dates.date_end), like every date the page shows.
    this.latestClaim = isText(this.meta.latest_claim) ? this.meta.latest_claim : '';
    // The fm-details elements (fm-details-0, -1, ...) by their first site; the parser may
    // not have reached them yet.
    this.detailChunks = asArray(payload.details).map(function (first, k) {
      return { id: 'fm-details-' + k, first: +first || 0, promise: null };
    });
    this.buildMap();
    this.buildPanel();
    this.applyHash(true);
    this.restoring = false;
    window.addEventListener('hashchange', function () {
      if (location.hash !== self.lastHash) self.applyHash(false);
    });
  }

  App.prototype.buildMap = function () {
    var self = this;
    var map = (this.map = L.map('fm-map', {
      zoomControl: true,
      worldCopyJump: false,
      minZoom: OPENING_ZOOM, // (until the map's width is known, below)
      zoomSnap: 0.5,
    }));
    map.attributionControl.setPrefix(
      '<a href="https://leafletjs.com" title="A JavaScript library for interactive maps">Leaflet</a>'
    );
    map.createPane('fm-context').style.zIndex = 350;
    map.createPane('fm-labels').style.zIndex = 360;
    map.createPane('fm-selection').style.zIndex = 450; // above the sites, below popups

    // Basemaps: only tiles need the network; say so when they fail.
    this.baseLayers = {};
    var bases = {};
    VOCAB.basemaps.forEach(function (b) {
      var layer = L.tileLayer(b.url, {
        attribution: b.attribution,
        maxZoom: b.max_zoom,
        subdomains: b.subdomains || 'abc',
      });
      layer.fmKey = b.key;
      layer.on('tileload', function () {
        self.tilesLoaded(true);
      });
      layer.on('tileerror', function () {
        self.tilesLoaded(false);
      });
      self.baseLayers[b.key] = layer;
      bases[escapeHTML(b.name)] = layer;
    });
    this.baseLayers[VOCAB.basemaps[0].key].addTo(map);
    this.currentBase = VOCAB.basemaps[0].key;

    // Country borders under the sites.
    var overlays = {};
    this.contextLayer = null;
    if (this.payloadContext) this.buildContext();

    this.siteLayer = new SiteLayer(this, { pane: 'overlayPane' });
    this.siteLayer.addTo(map);
    this.toggles = VOCAB.statuses.map(function (s, k) {
      return new StatusToggle(self, k);
    });
    VOCAB.statuses.forEach(function (s, k) {
      if (!self.everCounts[k]) return;
      var name =
        '<img class="fm-glyph" alt="" width="18" height="18" src="' + glyphImage(k, VOCAB.confidence.length - 1) +
        '"> ' + escapeHTML(s.label) + ' <span class="fm-count" data-status-count="' + k + '">(' +
        self.counts[k] + ')</span>';
      overlays[name] = self.toggles[k];
      self.toggles[k].addTo(map);
    });
    if (this.countriesLayer) {
      overlays['<span class="fm-border-swatch"></span> Country borders'] = this.countriesLayer;
    }
    this.layersControl = L.control
      .layers(bases, overlays, { collapsed: window.innerHeight < 640 || !this.roomyMap(), position: 'topright' })
      .addTo(map);

    L.control.scale({ position: 'bottomleft', imperial: true }).addTo(map);
    this.addCoordinates();
    this.addFullscreen();
    this.dense = this.denseBounds();
    if (this.dense) this.addShowAll();
    this.addLegend();
    this.addTileBanner();
    this.addTimeline();

    map.on('click', function (e) {
      // The glyphs the reader clicked on, as shown: finishing a redraw under way first would
      // freeze a 100,000-site page for half a second before the popup.
      var hits = self.siteLayer.shownAllAt(e.layerPoint, STACK_MAX + 1);
      if (hits.length === 1) self.openSite(self.sites[hits[0]], { pan: false });
      else if (hits.length > 1) self.openStack(hits);
    });
    var tooltip = L.tooltip({ direction: 'top', offset: [0, -10], className: 'fm-tip' });
    var hovering = '';
    map.on('mousemove', function (e) {
      // What is on screen, without finishing a redraw under way.
      var hits = self.siteLayer.shownAllAt(e.layerPoint, STACK_MAX + 1);
      if (hits.join() === hovering) return;
      hovering = hits.join();
      map.getContainer().classList.toggle('fm-over-site', hits.length > 0);
      if (!hits.length) {
        map.closeTooltip(tooltip);
        return;
      }
      var site = self.sites[hits[0]];
      tooltip.setLatLng([site.lat, site.lon]).setContent(self.hoverLabel(hits));
      map.openTooltip(tooltip);
    });
    map.on('mouseout', function () {
      hovering = '';
      map.closeTooltip(tooltip);
    });
    window.addEventListener('resize', function () {
      self.layoutControls();
    });
    map.on('fm-legend-toggle overlayadd overlayremove', function () {
      self.layoutControls();
    });
    map.on('popupclose', function (e) {
      if (e.popup === self.popup) {
        self.selected = -1;
        self.updateRing();
        self.saveHash();
      }
    });
    map.on('moveend overlayadd overlayremove', function () {
      self.saveHash();
    });
    map.on('baselayerchange', function (e) {
      self.currentBase = e.layer.fmKey;
      self.basemapShown = undefined; // judged afresh for the new basemap
      self.saveHash();
    });
    map.on('zoomend', function () {
      map.getContainer().classList.toggle('fm-zoomed-out', map.getZoom() < 4);
    });
    function setLowestZoom() {
      map.setMinZoom(lowestZoom(map.getSize().x));
    }
    setLowestZoom();
    map.on('resize', setLowestZoom);
    this.layoutControls();
    if (this.dense) this.fitBounds(this.dense);
    else this.fitAll(OPENING_ZOOM);
  };

  // The lowest zoom a map `width` px wide goes to: the one at which the whole world fits
  // across it, in half steps as zoomSnap, or 2 where that is higher (a wide screen sees the
  // world whole at 2). Zoom 2 was the lowest for every map: a 390 px phone saw 137 degrees
  // of longitude at most, and a world layer was never seen whole.
  function lowestZoom(width) {
    var zoom = Math.floor(2 * Math.log2(Math.max(width, 256) / 256)) / 2;
    return Math.min(OPENING_ZOOM, zoom);
  }

  // The page opens at this zoom or closer: a world the size of a phone shows its sites as
  // a few specks (the Tajik ones as one).
  var OPENING_ZOOM = 2;

  // The hover label: every site under the pointer, topmost first.
  App.prototype.hoverLabel = function (hits) {
    var self = this;
    function line(i) {
      var site = self.sites[i];
      return add(el('span'), dataText('strong', null, site.name), ' \u2014 ' + VOCAB.statuses[site.status].label);
    }
    if (hits.length === 1) return line(hits[0]);
    var box = el('div');
    var more = hits.length > STACK_MAX;
    add(box, el('div', null, (more ? 'More than ' + STACK_MAX : hits.length) + ' sites here (click to choose):'));
    var list = el('ul', 'fm-tip-list');
    hits.slice(0, STACK_MAX).forEach(function (i) {
      add(list, add(el('li'), line(i)));
    });
    return add(box, list);
  };

  // Several glyphs under one click: a popup that lists them, each a button to its details.
  App.prototype.openStack = function (hits) {
    var self = this;
    var first = this.sites[hits[0]];
    var box = el('article', 'fm-detail fm-stack');
    box.setAttribute('data-stack', String(hits.length));
    var more = hits.length > STACK_MAX;
    add(box, el('h2', null, (more ? 'More than ' + STACK_MAX : hits.length) + ' sites at this spot'));
    var list = el('ul');
    hits.slice(0, STACK_MAX).forEach(function (i) {
      var site = self.sites[i];
      var button = el('button', 'fm-item-button');
      button.type = 'button';
      button.setAttribute('data-site', site.id);
      var text = el('span', 'fm-item-text');
      add(text, dataText('span', 'fm-item-name', site.name), el('span', 'fm-item-sub', VOCAB.statuses[site.status].label));
      add(button, glyphImg(site.status, site.conf), text);
      button.addEventListener('click', function (e) {
        // The details replace this button before the click reaches the map, which would
        // then take it for a click on the map and close them.
        L.DomEvent.stopPropagation(e);
        self.openSite(site, { pan: false });
      });
      add(list, add(el('li'), button));
    });
    add(box, list);
    if (more) add(box, el('p', 'fm-small', 'Zoom in to tell the others apart.'));
    this.showPopup(first, box, {});
    this.selected = -1;
    this.updateRing();
    var focusable = box.querySelector('button');
    if (focusable) focusable.focus({ preventScroll: true });
  };

  // Puts `content` in the one popup, at `site`, sized to the room the controls leave.
  App.prototype.showPopup = function (site, content, opts) {
    var map = this.map;
    if (window.innerWidth <= 700 && this.legendDetails && this.legendDetails.open) {
      this.legendDetails.open = false; // on a phone the legend would leave the popup no room
      this.layoutControls();
    }
    var size = map.getSize();
    var room = this.popupRoom();
    var width = Math.max(160, Math.min(420, room.right - room.left - 32));
    var offset = VOCAB.statuses[site.status].size;
    var popup = (this.popup = this.popup || L.popup({ className: 'fm-popup' }));
    L.setOptions(popup, {
      minWidth: Math.min(280, width),
      maxWidth: width,
      // Content margins, the tip and the glyph's offset come on top of the content's height.
      maxHeight: Math.max(120, room.bottom - room.top - 60 - offset),
      autoPan: opts.autoPan !== false,
      autoPanPaddingTopLeft: [room.left, room.top],
      autoPanPaddingBottomRight: [size.x - room.right, size.y - room.bottom],
      offset: [0, -offset],
    });
    popup.fmSite = content.classList.contains('fm-stack') ? null : site.id;
    // A site's card takes the whole width it may: Leaflet would first lay all its words out
    // on one line to measure them (most of a rich site's opening time).
    popup._updateLayout = popup.fmSite === null ? L.Popup.prototype._updateLayout : fullWidthLayout;
    popup._adjustPan = adjustPanAtOnce;
    popup.setLatLng([site.lat, site.lon]).setContent(content);
    if (!map.hasLayer(popup)) popup.openOn(map);
    else popup.update();
  };

  // L.Popup's _updateLayout for a card as wide as the popup's maxWidth, without measuring
  // its content's width first (the rest as Leaflet 1.9 does it).
  function fullWidthLayout() {
    var container = this._contentNode;
    var style = container.style;
    style.whiteSpace = '';
    style.width = this.options.maxWidth + 1 + 'px';
    style.height = '';
    var maxHeight = this.options.maxHeight;
    if (maxHeight && container.offsetHeight > maxHeight) {
      style.height = maxHeight + 'px';
      L.DomUtil.addClass(container, 'leaflet-popup-scrolled');
    } else {
      L.DomUtil.removeClass(container, 'leaflet-popup-scrolled');
    }
    this._containerWidth = this._container.offsetWidth;
  }

  // L.Popup's _adjustPan, the map moved at once rather than in a quarter-second glide: the
  // card is readable where it ends up without waiting, and thousands of sites are redrawn
  // once, not after every frame of a glide that a second click would interrupt.
  function adjustPanAtOnce() {
    var map = this._map;
    if (!map) return;
    var panBy = map.panBy;
    map.panBy = function (offset, options) {
      return panBy.call(this, offset, L.extend({}, options, { animate: false }));
    };
    try {
      L.Popup.prototype._adjustPan.call(this);
    } finally {
      delete map.panBy;
    }
  }

  // The ring follows the selection: on the selected site, if it is on the map and shown.
  App.prototype.updateRing = function () {
    var site = this.selected >= 0 ? this.sites[this.selected] : null;
    if (!site || !site.located || !site.present || !this.visible[site.status]) {
      if (this.ring) this.map.removeLayer(this.ring);
      return;
    }
    this.ringIcons = this.ringIcons || {};
    var icon = (this.ringIcons[site.status] = this.ringIcons[site.status] || ringIcon(site.status));
    if (!this.ring) {
      this.ring = L.marker([site.lat, site.lon], { icon: icon, interactive: false, keyboard: false, pane: 'fm-selection' });
    }
    this.ring.setLatLng([site.lat, site.lon]);
    if (this.ring.options.icon !== icon) this.ring.setIcon(icon);
    if (!this.map.hasLayer(this.ring)) this.ring.addTo(this.map);
    this.ringCount = (this.ringCount || 0) + 1;
  };

  App.prototype.buildContext = function () {
    var data = this.payloadContext;
    var borders = new ContextLayer(data, { pane: 'fm-context' });
    var labels = L.layerGroup();
    asArray(data.features).forEach(function (f) {
      var p = (f && f.properties) || {};
      var lon = +p.label_lon;
      var lat = +p.label_lat;
      if (!isText(p.name) || !isFinite(lon) || !isFinite(lat)) return;
      var text = dataText('span', null, p.name);
      L.marker([lat, lon], {
        icon: L.divIcon({ className: 'fm-country-label', html: text, iconSize: null }),
        interactive: false,
        keyboard: false,
        pane: 'fm-labels',
      }).addTo(labels);
    });
    this.contextLayer = borders;
    this.countriesLayer = L.layerGroup([borders, labels]);
    this.countriesLayer.fmKey = 'countries';
    this.countriesLayer.addTo(this.map);
  };

  // The view the page opens on, when most sites are far from a few others: the box around
  // the four in five nearest their median point, if it is much smaller than the box around
  // all of them (one exercise range in Orenburg would otherwise shrink eight Tajik sites to
  // a few pixels). Null when every site fits well enough; "show all" fits them all.
  App.prototype.denseBounds = function () {
    var located = this.located;
    var n = located.length;
    if (n < 5) return null;
    var xs = new Float64Array(n);
    var ys = new Float64Array(n);
    for (var k = 0; k < n; k++) {
      xs[k] = located[k].mx;
      ys[k] = located[k].my;
    }
    var mx = median(xs);
    var my = median(ys);
    var far = new Float64Array(n);
    for (k = 0; k < n; k++) far[k] = Math.max(Math.abs(located[k].mx - mx), Math.abs(located[k].my - my));
    var sorted = far.slice().sort();
    var reach = sorted[Math.ceil(0.8 * n) - 1];
    var box = [Infinity, Infinity, -Infinity, -Infinity];
    var all = [Infinity, Infinity, -Infinity, -Infinity];
    for (k = 0; k < n; k++) {
      var s = located[k];
      all = [Math.min(all[0], s.mx), Math.min(all[1], s.my), Math.max(all[2], s.mx), Math.max(all[3], s.my)];
      if (far[k] <= reach) {
        box = [Math.min(box[0], s.mx), Math.min(box[1], s.my), Math.max(box[2], s.mx), Math.max(box[3], s.my)];
      }
    }
    var side = Math.max(box[2] - box[0], box[3] - box[1], 1e-6);
    var allSide = Math.max(all[2] - all[0], all[3] - all[1]);
    if (allSide < 2 * side) return null;
    return L.latLngBounds(unproject(box[0], box[3]), unproject(box[2], box[1]));
  };

  function median(values) {
    var sorted = values.slice().sort();
    return sorted[sorted.length >> 1];
  }

  // Normalised Web Mercator (sites.js) back to latitude and longitude.
  function unproject(x, y) {
    var lat = (Math.atan(Math.exp(Math.PI * (1 - 2 * y))) * 360) / Math.PI - 90;
    return L.latLng(lat, (x - 0.5) * 360);
  }

  // How fitBounds frames a box: padded by a tenth of its size on each side, and clear of the
  // zoom buttons on the left (mostInView sizes its stretch by the same).
  var FIT_PAD = 0.1;
  var FIT_LEFT_PX = 60;

  App.prototype.fitBounds = function (bounds) {
    this.map.fitBounds(bounds.pad(FIT_PAD), {
      maxZoom: 8,
      animate: false,
      paddingTopLeft: [FIT_LEFT_PX, 20],
      paddingBottomRight: [this.rightControlsWidth(), 20],
    });
  };

  // Every located site in view, at `lowest` zoom or closer (the map's lowest zoom without
  // it); where they cannot all be shown at it (a world layer on a phone), as many of them as
  // can: fitting their box would centre the view on its middle, which can be an ocean with a
  // few sites at its edges.
  App.prototype.fitAll = function (lowest) {
    var map = this.map;
    if (!this.located.length) {
      map.setView([38.8, 71.2], 6);
      return;
    }
    if (lowest === undefined) lowest = map.getMinZoom();
    var shown = this.mostInView(this.located, lowest);
    this.fitBounds(L.latLngBounds(shown.map(function (s) { return [s.lat, s.lon]; })));
    if (map.getZoom() < lowest) map.setZoom(lowest, { animate: false }); // (their latitudes)
  };

  // The sites in a stretch of longitude that fitBounds shows at zoom `lowest` (beside the
  // controls, with its padding): all of them when they fit, else the stretch holding the most
  // (the westernmost of equals).
  App.prototype.mostInView = function (sites, lowest) {
    var width = Math.max(1, this.map.getSize().x - FIT_LEFT_PX - this.rightControlsWidth());
    var degrees = (width / (256 * Math.pow(2, lowest))) * 360;
    var span = degrees / (1 + 2 * FIT_PAD);
    // (A typed array sorts numbers natively: at 97,000 located sites, 12-18 ms against 48-93
    // for an array sorted with a compare function, in Chromium.)
    var lons = new Float64Array(sites.length);
    for (var k = 0; k < sites.length; k++) lons[k] = sites[k].lon;
    lons.sort();
    if (lons[lons.length - 1] - lons[0] <= span) return sites;
    var most = 0;
    var from = lons[0];
    for (var i = 0, j = 0; i < lons.length; i++) {
      while (lons[i] - lons[j] > span) j++;
      if (i - j + 1 > most) {
        most = i - j + 1;
        from = lons[j];
      }
    }
    return sites.filter(function (s) { return s.lon >= from && s.lon <= from + span; });
  };

  App.prototype.setStatusVisible = function (k, on) {
    if (this.visible[k] === on) return;
    this.visible[k] = on;
    if (!on && this.selected >= 0 && this.sites[this.selected].status === k && this.sites[this.selected].located) {
      this.map.closePopup(this.popup);
    }
    this.siteLayer.requestDraw();
    this.updateRing();
    this.refreshList();
  };

  // The full properties of a site (claims, sources, notes) and of its neighbours in the
  // same fm-details element, read once: a popup waits for its own part (and for the parser
  // to get through it), and opening the page reads none (a large layer's details are many
  // times its index).
  App.prototype.loadDetails = function (site) {
    var self = this;
    if (site.full) return Promise.resolve();
    var chunk = null;
    for (var k = 0; k < this.detailChunks.length; k++) {
      if (this.detailChunks[k].first <= site.i) chunk = this.detailChunks[k];
    }
    if (!chunk) {
      site.full = true; // no details in the page: the index is all there is
      return Promise.resolve();
    }
    if (!chunk.promise) {
      chunk.promise = whenParsed(chunk.id).then(readElement).then(function (list) {
        list = asArray(list);
        for (var j = 0; j < list.length; j++) {
          var target = self.sites[chunk.first + j];
          if (!target) break;
          if (list[j] && typeof list[j] === 'object') target.p = list[j];
          target.full = true;
        }
        site.full = true; // even if its element held less than it should
      });
    }
    return chunk.promise;
  };

  App.prototype.openSite = function (site, opts) {
    var self = this;
    opts = opts || {};
    if (!site.full) {
      this.loadDetails(site).then(function () {
        self.openSite(site, opts);
      }, showError);
      return;
    }
    if (!site.present) return; // not on record at the timeline's date
    if (!site.located) {
      this.showPanelDetail(site);
      return;
    }
    if (!this.visible[site.status]) this.toggles[site.status].addTo(this.map);
    if (opts.pan && window.innerWidth <= 700 && !document.body.classList.contains('fm-panel-closed')) {
      this.panelToggle.click(); // the panel covers the map on a phone
    }
    if (opts.pan) {
      if (site.geometry && site.area) {
        var bounds = L.geoJSON(site.geometry).getBounds();
        this.map.fitBounds(bounds.pad(0.1), { maxZoom: MAX_FOCUS_ZOOM, animate: false });
      } else {
        var size = this.map.getSize();
        var z = zoomForRadius(site.radius, site.lat, Math.max(120, 0.45 * Math.min(size.x, size.y)));
        this.map.setView([site.lat, site.lon], z, { animate: false });
      }
    }
    this.selected = site.i;
    // One popup, moved from site to site: never two detail cards at once.
    this.showPopup(site, buildDetail(site, this.meta, this.asOf()), opts);
    this.updateRing();
    this.saveHash();
  };

