// permalink.js: The permalink: view, selected site, layers and basemap kept in the URL hash.

  // ---------------------------------------------------------------- permalink (URL hash)
  // #map=zoom/lat/lon&site=ID&layers=status,status,countries&base=KEY
  App.prototype.hashState = function () {
    var map = this.map;
    var c = map.getCenter();
    var parts = ['map=' + map.getZoom() + '/' + c.lat.toFixed(5) + '/' + c.lng.toFixed(5)];
    var open = this.popup && map.hasLayer(this.popup) ? this.popup.fmSite : this.panelSite;
    if (open) parts.push('site=' + encodeURIComponent(open));
    var self = this;
    var active = [];
    VOCAB.statuses.forEach(function (s, k) {
      if (self.visible[k] && self.everCounts[k]) active.push(s.key);
    });
    if (this.countriesLayer && map.hasLayer(this.countriesLayer)) active.push('countries');
    parts.push('layers=' + active.join(','));
    parts.push('base=' + this.currentBase);
    var day = this.pendingDate !== undefined ? this.pendingDate : this.date; // (steps unread)
    if (day) parts.push('date=' + day);
    return '#' + parts.join('&');
  };

  App.prototype.saveHash = function () {
    if (this.restoring) return;
    var self = this;
    clearTimeout(this.hashTimer);
    this.hashTimer = setTimeout(function () {
      var hash = self.hashState();
      if (hash === location.hash) return;
      self.lastHash = hash;
      try {
        history.replaceState(null, '', hash);
      } catch (err) {
        // Some embedding contexts refuse history changes; the map works without a permalink.
      }
    }, 120);
  };

  App.prototype.applyHash = function (initial) {
    var self = this;
    var params;
    try {
      params = new URLSearchParams(location.hash.replace(/^#/, ''));
    } catch (err) {
      return;
    }
    this.restoring = true;
    var layers = params.get('layers');
    if (layers !== null) {
      var wanted = layers.split(',');
      VOCAB.statuses.forEach(function (s, k) {
        if (!self.everCounts[k]) return;
        var on = wanted.indexOf(s.key) >= 0;
        if (on !== self.map.hasLayer(self.toggles[k])) {
          if (on) self.toggles[k].addTo(self.map);
          else self.map.removeLayer(self.toggles[k]);
        }
      });
      if (this.countriesLayer) {
        var ctxOn = wanted.indexOf('countries') >= 0;
        if (ctxOn !== this.map.hasLayer(this.countriesLayer)) {
          if (ctxOn) this.countriesLayer.addTo(this.map);
          else this.map.removeLayer(this.countriesLayer);
        }
      }
    }
    var base = params.get('base');
    if (base && Object.prototype.hasOwnProperty.call(this.baseLayers, base) && base !== this.currentBase) {
      this.map.removeLayer(this.baseLayers[this.currentBase]);
      this.baseLayers[base].addTo(this.map);
      this.currentBase = base;
    }
    var day = params.get('date');
    if (this.timeline && (day || !initial)) {
      this.setDate(/^\d{4}-\d{2}-\d{2}$/.test(day || '') ? day : null);
    }
    var view = /^(\d{1,2}(?:\.\d+)?)\/(-?\d{1,2}(?:\.\d+)?)\/(-?\d{1,3}(?:\.\d+)?)$/.exec(params.get('map') || '');
    if (view) this.map.setView([+view[2], +view[3]], +view[1], { animate: false });
    var id = params.get('site');
    if (id && this.byId.has(id)) {
      // A shared view is kept as it was; without one, the popup is panned into the room.
      this.openSite(this.byId.get(id), { pan: !view, autoPan: !view });
    } else if (!initial) {
      this.map.closePopup();
    }
    this.restoring = false;
    this.lastHash = location.hash;
  };

