// tiles.js: The tiled data source (facilitymap render --tiles): sites come from a PMTiles archive
// a tile at a time, their details and the search from sidecar files, all fetched beside the page.

  // ---------------------------------------------------------------- tiled data source
  // Joined into the page script before start.js (facilitymap.render.tiled), with the
  // single-file page's parts around it: the App, popups, legend, list and glyphs are theirs.
  // What this part replaces, before the page starts:
  //  - SiteLayer: a Leaflet GridLayer that draws each tile's points with the same glyphs;
  //  - App.prototype.loadDetails: a site's record comes from details/<bucket>.json;
  //  - App.prototype.refreshList: a search fetches the shards of search/ it needs first;
  //  - the legend's counts and the first view: from meta.tiles (the whole layer's).
  // Sites join app.sites (addSite) as tiles or search results bring them, so every other
  // part sees them as it sees a single-file page's sites.
  /* global pmtiles */

  var TILE_CACHE = 768; // decoded tiles kept (a tile's points, in world coordinates)
  var FETCHED_CACHE = 256; // details buckets and search shards kept

  // FNV-1a (32 bits) of a site id's UTF-8 bytes, modulo the number of details files: as
  // facilitymap.tiles.bucket_of.
  function bucketOf(id, buckets) {
    var bytes = new TextEncoder().encode(String(id));
    var h = 0x811c9dc5;
    for (var k = 0; k < bytes.length; k++) h = Math.imul(h ^ bytes[k], 0x01000193) >>> 0;
    return h % buckets;
  }

  // ---------------------------------------------------------------- vector tiles (points)
  // The points of one layer of a Mapbox Vector Tile (protobuf): the few fields tippecanoe
  // writes for points. A reader of our own: @mapbox/vector-tile and pbf are ES modules that
  // would need a bundler to be inlined here, and points need none of their geometry code.
  function Proto(bytes) {
    this.b = bytes;
    this.pos = 0;
  }
  Proto.prototype.varint = function () {
    var value = 0;
    var mul = 1;
    var byte;
    do {
      byte = this.b[this.pos++];
      value += (byte & 0x7f) * mul;
      mul *= 128;
    } while (byte & 0x80);
    return value;
  };
  Proto.prototype.skip = function (wire) {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.pos += this.varint();
    else if (wire === 5) this.pos += 4;
    else throw new Error('unknown protobuf wire type ' + wire);
  };
  Proto.prototype.text = function () {
    var end = this.varint() + this.pos;
    var value = new TextDecoder().decode(this.b.subarray(this.pos, end));
    this.pos = end;
    return value;
  };
  Proto.prototype.message = function () {
    var end = this.varint() + this.pos;
    var sub = new Proto(this.b.subarray(this.pos, end));
    this.pos = end;
    return sub;
  };

  function zigzag(n) {
    return n % 2 ? -(n + 1) / 2 : n / 2;
  }

  function tileValue(msg) {
    var value = null;
    var view = new DataView(msg.b.buffer, msg.b.byteOffset, msg.b.byteLength);
    while (msg.pos < msg.b.length) {
      var tag = msg.varint();
      var field = tag >> 3;
      if (field === 1) value = msg.text();
      else if (field === 2) {
        value = view.getFloat32(msg.pos, true);
        msg.pos += 4;
      } else if (field === 3) {
        value = view.getFloat64(msg.pos, true);
        msg.pos += 8;
      } else if (field === 4 || field === 5) value = msg.varint();
      else if (field === 6) value = zigzag(msg.varint());
      else if (field === 7) value = !!msg.varint();
      else msg.skip(tag & 7);
    }
    return value;
  }

  // [{props, x, y}]: x and y in normalised Web Mercator ([0, 1], as sites.js's mx, my).
  function decodePoints(bytes, layerName, z, tx, ty) {
    var tile = new Proto(bytes);
    var points = [];
    while (tile.pos < bytes.length) {
      var tag = tile.varint();
      if (tag >> 3 !== 3) {
        tile.skip(tag & 7);
        continue;
      }
      var layer = tile.message();
      var name = '';
      var extent = 4096;
      var keys = [];
      var values = [];
      var features = [];
      while (layer.pos < layer.b.length) {
        var ltag = layer.varint();
        var field = ltag >> 3;
        if (field === 1) name = layer.text();
        else if (field === 2) features.push(layer.message());
        else if (field === 3) keys.push(layer.text());
        else if (field === 4) values.push(tileValue(layer.message()));
        else if (field === 5) extent = layer.varint();
        else layer.skip(ltag & 7);
      }
      if (name !== layerName) continue;
      var size = extent * Math.pow(2, z);
      features.forEach(function (f) {
        var props = {};
        var geometry = [];
        var type = 0;
        while (f.pos < f.b.length) {
          var ftag = f.varint();
          var ff = ftag >> 3;
          if (ff === 2 || ff === 4) {
            var end = f.varint() + f.pos;
            var list = [];
            while (f.pos < end) list.push(f.varint());
            if (ff === 2) {
              for (var k = 0; k + 1 < list.length; k += 2) props[keys[list[k]]] = values[list[k + 1]];
            } else geometry = list;
          } else if (ff === 3) type = f.varint();
          else f.skip(ftag & 7);
        }
        if (type !== 1) return; // points only
        var x = 0;
        var y = 0;
        for (var g = 0; g < geometry.length; ) {
          var command = geometry[g++];
          var count = command >> 3;
          for (var c = 0; c < count && (command & 7) === 1; c++) {
            x += zigzag(geometry[g++]);
            y += zigzag(geometry[g++]);
            points.push({ props: props, x: (tx * extent + x) / size, y: (ty * extent + y) / size });
          }
        }
      });
    }
    return points;
  }

  // ---------------------------------------------------------------- the source
  // The archive and sidecar files of meta.tiles, beside the page; each file fetched once.
  function TileSource(tiles) {
    this.tiles = tiles;
    // No archive: no site of the map is located (the list and search still have them).
    this.archive = tiles.archive ? new pmtiles.PMTiles(new URL(tiles.archive, location.href).href) : null;
    this.tileCache = {};
    this.tileCount = 0;
    this.files = {};
    this.fileCount = 0;
  }

  // The points of tile z/x/y; past the archive's last zoom, those of its ancestor there.
  TileSource.prototype.points = function (z, x, y) {
    if (!this.archive) return Promise.resolve([]);
    var maxZoom = this.tiles.maxzoom;
    if (z > maxZoom) {
      var d = z - maxZoom;
      x = Math.floor(x / Math.pow(2, d));
      y = Math.floor(y / Math.pow(2, d));
      z = maxZoom;
    }
    var key = z + '/' + x + '/' + y;
    if (!this.tileCache[key]) {
      if (this.tileCount >= TILE_CACHE) {
        this.tileCache = {};
        this.tileCount = 0;
      }
      var layer = this.tiles.layer;
      this.tileCount++;
      this.tileCache[key] = this.archive.getZxy(z, x, y).then(function (response) {
        return response ? decodePoints(new Uint8Array(response.data), layer, z, x, y) : [];
      });
    }
    return this.tileCache[key];
  };

  TileSource.prototype.json = function (path) {
    if (!this.files[path]) {
      if (this.fileCount >= FETCHED_CACHE) {
        this.files = {};
        this.fileCount = 0;
      }
      this.fileCount++;
      var files = this.files;
      files[path] = fetch(new URL(path, location.href).href).then(function (response) {
        if (!response.ok) throw new Error(path + ': ' + response.status + ' ' + response.statusText);
        return response.json();
      });
      files[path].catch(function () {
        delete files[path]; // a failed fetch is tried again next time
      });
    }
    return this.files[path];
  };

  // A site's record (the single-file page's index record, full properties in), or null.
  TileSource.prototype.details = function (id) {
    var tiles = this.tiles;
    return this.json(tiles.details + '/' + bucketOf(id, tiles.buckets) + '.json').then(function (list) {
      for (var k = 0; k < list.length; k++) if (list[k] && list[k].id === id) return list[k];
      return null;
    });
  };

  // Search entries [key, id, name, status, confidence, lon, lat] whose key begins with
  // `query` (normalised), in key order: at least `want` of them when there are so many.
  // Shards are cut from the sorted keys; meta.tiles.shards holds the first key of each.
  TileSource.prototype.search = function (query, want) {
    var self = this;
    var firsts = this.tiles.shards;
    var lo = 0;
    var hi = firsts.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (firsts[mid] <= query) lo = mid + 1;
      else hi = mid;
    }
    var start = Math.max(0, lo - 1);
    var found = [];
    function from(j) {
      if (j >= firsts.length || (j > start && firsts[j].slice(0, query.length) > query)) {
        return Promise.resolve({ entries: found, complete: true });
      }
      return self.json(self.tiles.search + '/' + j + '.json').then(function (entries) {
        for (var k = 0; k < entries.length; k++) {
          if (entries[k][0].slice(0, query.length) === query) found.push(entries[k]);
        }
        if (found.length >= want) return { entries: found, complete: j + 1 >= firsts.length };
        return from(j + 1);
      });
    }
    return from(start);
  };

  // A record as the page's index has it, from a tile's point or a search entry.
  function pointRecord(point) {
    var p = point.props;
    var lat = (Math.atan(Math.exp(Math.PI * (1 - 2 * point.y))) * 360) / Math.PI - 90;
    var record = { id: String(p.id), c: [(point.x - 0.5) * 360, lat], name: p.n, status: p.s, confidence: p.k };
    if (p.r) record.precision_m = p.r;
    return record;
  }

  function entryRecord(entry) {
    var record = { id: entry[1], name: entry[2], status: entry[3], confidence: entry[4] };
    if (entry[5] !== null && entry[6] !== null) record.c = [entry[5], entry[6]];
    return record;
  }

  // A site's place from a record of `depth` (a tile's zoom; search entries are exact), when
  // it is better than the one it has and its own record is not read yet.
  var EXACT = 99;
  function placeSite(site, record, depth) {
    if (site.full || site.depth >= depth || !record.c) return;
    site.depth = depth;
    site.lon = record.c[0];
    site.lat = record.c[1];
    site.mx = mercatorX(site.lon);
    site.my = mercatorY(site.lat);
  }

  // ---------------------------------------------------------------- sites as they come
  // The site of `record`: the one the page already holds, or a new one at the end.
  App.prototype.addSite = function (record) {
    var site = this.byId.get(record.id);
    if (site) return site;
    site = siteOfRecord(record);
    site.i = this.sites.length;
    this.sites.push(site);
    this.byId.set(site.id, site);
    if (site.located) this.located.push(site);
    this.presentCount++;
    return site;
  };

  // A site's full record read: what a single-file page's site holds once its details are.
  App.prototype.fillSite = function (site, record) {
    var fresh = siteOfRecord(record);
    // The full properties, in place of the index's few.
    if (record.properties && typeof record.properties === 'object') fresh.p = record.properties;
    ['p', 'deciding', 'officialWords', 'later', 'changes', 'status', 'conf', 'radius', 'area',
      'areaRadius', 'geometry', 'name', 'lon', 'lat', 'mx', 'my'].forEach(function (key) {
      site[key] = fresh[key];
    });
    if (fresh.located && !site.located) this.located.push(site);
    site.located = fresh.located;
    site.indexStatus = site.status;
    site.indexDeciding = site.deciding;
    site.indexWords = site.officialWords;
    site.search = null;
    site.full = true;
  };

  App.prototype.loadDetails = function (site) {
    var self = this;
    if (site.full) return Promise.resolve();
    return this.tileSource.details(site.id).then(function (record) {
      if (record) self.fillSite(site, record);
      site.full = true; // a site missing from its bucket shows what the tile said
    });
  };

  // The whole layer's counts: the legend and layer control show them (the sites the page
  // holds are those seen so far).
  var prepareTimelineOfPage = App.prototype.prepareTimeline;
  App.prototype.prepareTimeline = function () {
    prepareTimelineOfPage.call(this);
    this.tileSource = new TileSource(this.meta.tiles);
    this.everCounts = asArray(this.meta.tiles.counts).slice();
  };

  var applyDateOfPage = App.prototype.applyDate;
  App.prototype.applyDate = function (day, quiet) {
    applyDateOfPage.call(this, day, quiet);
    this.counts = asArray(this.meta.tiles.counts).slice();
    this.presentCount = this.sites.length;
  };

  var fitAllOfPage = App.prototype.fitAll;
  App.prototype.fitAll = function () {
    var b = this.meta.tiles.bounds;
    if (!b) return fitAllOfPage.call(this);
    this.fitBounds(L.latLngBounds([b[1], b[0]], [b[3], b[2]]));
  };

  // A permalink's site may not be in any tile loaded yet: its record is fetched first.
  var applyHashOfPage = App.prototype.applyHash;
  App.prototype.applyHash = function (initial) {
    var self = this;
    var id = null;
    try {
      id = new URLSearchParams(location.hash.replace(/^#/, '')).get('site');
    } catch (err) {
      id = null;
    }
    if (!id || this.byId.has(id)) {
      applyHashOfPage.call(this, initial);
      return;
    }
    var hash = location.hash;
    this.tileSource.details(id).then(function (record) {
      if (record) self.fillSite(self.addSite(record), record);
      // Meanwhile the first view may have written its own hash over the one asked for.
      if (location.hash !== hash) history.replaceState(null, '', hash);
      applyHashOfPage.call(self, initial);
    }, showError);
  };

  // The list: with a query, the search shards bring every site whose name (from any word
  // on) or local name begins with it, then the page's own list shows what matches among the
  // sites it holds; without one, the sites seen in the tiles so far.
  var refreshListOfPage = App.prototype.refreshList;
  App.prototype.refreshList = function () {
    var self = this;
    if (!this.listNode) return;
    var total = this.meta.tiles.sites;
    var query = normalise((this.searchBox.value || '').trim());
    var asked = (this.listAsked = (this.listAsked || 0) + 1);
    if (!query) {
      refreshListOfPage.call(this);
      if (this.sites.length < total) {
        this.countLine.textContent = total + ' sites; the list shows the ' + this.sites.length +
          ' in the tiles loaded so far (search finds any by name).';
      }
      return;
    }
    this.countLine.textContent = 'Searching ' + total + ' sites\u2026';
    this.tileSource.search(query, this.listLimit + 1).then(function (result) {
      if (asked !== self.listAsked) return; // a later query is under way
      result.entries.forEach(function (entry) {
        var record = entryRecord(entry);
        placeSite(self.addSite(record), record, EXACT);
      });
      refreshListOfPage.call(self);
      var more = !self.moreButton.hidden;
      self.countLine.textContent = self.matches.length + (more ? '+' : '') + ' found among ' + total +
        ' sites (names and local names, from the start of a word)';
    }, showError);
  };

  // ---------------------------------------------------------------- the tile layer
  // In place of SiteLayer: each tile a canvas with its points' precision circles and glyphs,
  // in the single-file page's order (most contested on top); clicks and hovers hit-test the
  // points of the tiles shown.
  var TileSiteLayer = L.GridLayer.extend({
    options: { updateWhenZooming: false, keepBuffer: 1 },

    initialize: function (state, options) {
      L.GridLayer.prototype.initialize.call(this, options);
      this._state = state;
      this.drawCount = 0;
      this.on('load', function () {
        this.drawCount++;
        this.fire('drawn');
      });
    },

    createTile: function (coords, done) {
      var self = this;
      var canvas = document.createElement('canvas');
      var size = this.getTileSize();
      var ratio = window.devicePixelRatio || 1;
      canvas.width = Math.round(size.x * ratio);
      canvas.height = Math.round(size.y * ratio);
      canvas.fmPoints = [];
      // Leaflet's tile containers let clicks through (to the country borders' canvas, which
      // gives them to nobody): a site tile takes them, and the map hit-tests its points.
      canvas.style.pointerEvents = 'auto';
      this._state.tileSource.points(coords.z, coords.x, coords.y).then(
        function (points) {
          var state = self._state;
          // Past the archive's last zoom a tile is part of its ancestor's: its own points,
          // and those a glyph's width around it.
          var scale = Math.pow(2, coords.z);
          var margin = 24 / size.x;
          // Tiles of lower zooms place points more coarsely: a site takes its place from the
          // deepest tile that brought it, until its own record is read.
          var depth = Math.min(coords.z, state.meta.tiles.maxzoom);
          canvas.fmPoints = [];
          points.forEach(function (point) {
            var x = point.x * scale - coords.x;
            var y = point.y * scale - coords.y;
            if (x < -margin || x > 1 + margin || y < -margin || y > 1 + margin) return;
            var record = pointRecord(point);
            var site = state.addSite(record);
            placeSite(site, record, depth);
            canvas.fmPoints.push({ site: site, x: point.x, y: point.y });
          });
          self._paint(canvas, coords);
          done(null, canvas);
        },
        function (err) {
          done(err, canvas);
        }
      );
      return canvas;
    },

    _paint: function (canvas, coords) {
      var state = this._state;
      var ratio = canvas.width / this.getTileSize().x;
      var scale = this.getTileSize().x * Math.pow(2, coords.z);
      var left = coords.x * this.getTileSize().x;
      var top = coords.y * this.getTileSize().y;
      var ctx = canvas.getContext('2d');
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      var shown = canvas.fmPoints.filter(function (point) {
        return state.visible[point.site.status] && point.site.present;
      });
      shown.sort(function (a, b) {
        return b.site.status - a.site.status || a.site.conf - b.site.conf;
      });
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      shown.forEach(function (point) {
        var site = point.site;
        if (!site.radius) return;
        var style = VOCAB.statuses[site.status];
        var r = (site.radius / (40075016.686 * Math.cos((site.lat * Math.PI) / 180))) * scale;
        if (r < style.size + 2) return;
        ctx.beginPath();
        ctx.arc(point.x * scale - left, point.y * scale - top, r, 0, 2 * Math.PI);
        fillCircles(ctx, style);
        strokeCircles(ctx, style);
      });
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      shown.forEach(function (point) {
        var sprite = glyphSprite(point.site.status, point.site.conf, ratio);
        ctx.drawImage(
          sprite.image,
          Math.round((point.x * scale - left) * ratio) - sprite.half,
          Math.round((point.y * scale - top) * ratio) - sprite.half
        );
      });
    },

    // Status toggles and date changes: every tile shown painted again from its points.
    requestDraw: function () {
      for (var key in this._tiles) {
        var tile = this._tiles[key];
        if (tile.el.fmPoints) this._paint(tile.el, tile.coords);
      }
    },

    flush: function () {},

    // The points of the tiles at the current zoom, each site once, with world coordinates.
    _shownPoints: function () {
      var seen = {};
      var out = [];
      for (var key in this._tiles) {
        var tile = this._tiles[key];
        if (tile.coords.z !== this._tileZoom || !tile.current) continue;
        var points = tile.el.fmPoints || [];
        for (var k = 0; k < points.length; k++) {
          var site = points[k].site;
          if (seen[site.i] || !this._state.visible[site.status] || !site.present) continue;
          seen[site.i] = true;
          out.push(points[k]);
        }
      }
      return out;
    },

    shownAt: function (point) {
      var all = this.shownAllAt(point, 1);
      return all.length ? all[0] : -1;
    },

    // Every site whose glyph is under a layer point, topmost first (at most `limit`).
    shownAllAt: function (layerPoint, limit) {
      var map = this._map;
      if (!map) return [];
      var world = map.layerPointToLatLng(layerPoint);
      var zoom = map.getZoom();
      var at = map.project(world, zoom);
      var scale = 256 * Math.pow(2, zoom);
      var found = this._shownPoints().filter(function (p) {
        var reach = VOCAB.statuses[p.site.status].size * 1.3 + GLYPH_TOLERANCE;
        var dx = p.x * scale - at.x;
        var dy = p.y * scale - at.y;
        return dx * dx + dy * dy <= reach * reach;
      });
      found.sort(function (a, b) {
        return a.site.status - b.site.status || b.site.conf - a.site.conf;
      });
      return found.slice(0, limit).map(function (p) {
        return p.site.i;
      });
    },

    // The ids of the sites drawn in the map's view.
    drawnIds: function () {
      var map = this._map;
      if (!map) return [];
      var bounds = map.getPixelBounds();
      var scale = 256 * Math.pow(2, map.getZoom());
      return this._shownPoints()
        .filter(function (p) {
          return bounds.contains([p.x * scale, p.y * scale]);
        })
        .map(function (p) {
          return p.site.id;
        });
    },
  });

  SiteLayer = TileSiteLayer;
