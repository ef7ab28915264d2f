// context-layer.js: The context layer (ContextLayer): country borders and labels under the sites, projected
// once and simplified per zoom level.

  // ---------------------------------------------------------------- the country borders
  // Leaflet's own polygons project every vertex (33,000 of them) again at each zoom, twice
  // for a zoom without animation, and clip and simplify them again at each move: 15-20 ms
  // of script before the frame. Here they are projected once, and simplified once per zoom
  // level as Leaflet would (whole pixels, 1 px tolerance), into paths that each view change
  // only strokes and fills; only the features that reach into the canvas are drawn, and a
  // move that stays within the canvas (half a view beyond each edge) draws nothing at all.
  // On a world map (every country, 195,000 vertices), at 390 px with the CPU slowed 4x as
  // phones are emulated, a pan took 161 ms where the sites alone take 32 ms, and a zoom
  // step 279 ms against 83.
  var CONTEXT_STYLE = { color: '#5f5f5f', weight: 1.2, opacity: 0.9, fillColor: '#f6f2e8' };
  var ContextLayer = L.Renderer.extend({
    options: { padding: 0.5, fillOpacity: CONTEXT_FILL },

    initialize: function (data, options) {
      L.Renderer.prototype.initialize.call(this, options);
      this._features = [];
      var self = this;
      asArray(data && data.features).forEach(function (f) {
        if (!f || typeof f !== 'object') return;
        var area = projectRings(f.geometry);
        if (!area.parts.length || !area.closed) return;
        self._features.push({ properties: f.properties || {}, area: area });
      });
      this._paths = {}; // zoom -> the Path2D of each feature drawn at it, in world pixels
      this._drawn = null; // what the canvas shows: bounds, zoom, pixel origin, size, fill opacity
    },

    _initContainer: function () {
      var canvas = (this._container = document.createElement('canvas'));
      canvas._leaflet_disable_events = true; // decoration: clicks are the map's
      this._ctx = canvas.getContext('2d');
    },

    _destroyContainer: function () {
      L.DomUtil.remove(this._container);
      delete this._ctx;
      delete this._container;
      this._drawn = null;
    },

    _update: function () {
      if (this._map._animatingZoom && this._bounds) return;
      if (this._covers()) return; // (Leaflet's transforms then go by the canvas's own centre)
      L.Renderer.prototype._update.call(this);
      this._draw();
    },

    // Whether the canvas, where it was drawn, still shows the whole view as it should be:
    // the same zoom, pixel origin, map size and fill, and the view inside its bounds.
    _covers: function () {
      var drawn = this._drawn;
      var map = this._map;
      if (!drawn || drawn.zoom !== map.getZoom() || drawn.fillOpacity !== this.options.fillOpacity) return false;
      if (!drawn.origin.equals(map.getPixelOrigin()) || !drawn.size.equals(map.getSize())) return false;
      var view = L.bounds(map.containerPointToLayerPoint([0, 0]), map.containerPointToLayerPoint(map.getSize()));
      return drawn.bounds.contains(view);
    },

    setFillOpacity: function (value) {
      this.options.fillOpacity = value;
      if (this._map) this._draw();
    },

    // Feature k's outline at `zoom`, as Leaflet draws it: vertices on whole world pixels,
    // then simplified to within a pixel. Made when first drawn at that zoom.
    _pathAt: function (k, zoom) {
      var paths = (this._paths[zoom] = this._paths[zoom] || []);
      if (paths[k]) return paths[k];
      var scale = this._map.options.crs.scale(zoom);
      var tolerance = L.Path.prototype.options.smoothFactor || 1;
      var path = new Path2D();
      this._features[k].area.parts.forEach(function (flat) {
        var points = new Array(flat.length / 2);
        for (var j = 0; j < flat.length; j += 2) {
          points[j / 2] = L.point(Math.round(flat[j] * scale), Math.round(flat[j + 1] * scale));
        }
        points = L.LineUtil.simplify(points, tolerance);
        for (var i = 0; i < points.length; i++) {
          if (i) path.lineTo(points[i].x, points[i].y);
          else path.moveTo(points[i].x, points[i].y);
        }
        path.closePath();
      });
      return (paths[k] = path);
    },

    // Whether feature k's box reaches into `bounds` (layer pixels) at `scale`, with the map's
    // pixel origin `origin`.
    _reaches: function (k, bounds, scale, origin) {
      var box = this._features[k].area.box;
      return box[2] * scale - origin.x >= bounds.min.x && box[0] * scale - origin.x <= bounds.max.x &&
        box[3] * scale - origin.y >= bounds.min.y && box[1] * scale - origin.y <= bounds.max.y;
    },

    _draw: function () {
      var b = this._bounds;
      if (!this._ctx || !b) return;
      var zoom = this._map.getZoom();
      var fillOpacity = this.options.fillOpacity;
      var drawn = this._drawn;
      // A view reset and the moveend after it ask for the same image.
      if (drawn && drawn.bounds.equals(b) && drawn.zoom === zoom && drawn.fillOpacity === fillOpacity) return;
      var canvas = this._container;
      var ctx = this._ctx;
      var size = b.getSize();
      var ratio = window.devicePixelRatio || 1;
      L.DomUtil.setPosition(canvas, b.min);
      canvas.width = Math.round(size.x * ratio); // also clears it
      canvas.height = Math.round(size.y * ratio);
      canvas.style.width = size.x + 'px';
      canvas.style.height = size.y + 'px';
      var origin = this._map.getPixelOrigin();
      ctx.setTransform(ratio, 0, 0, ratio, -(b.min.x + origin.x) * ratio, -(b.min.y + origin.y) * ratio);
      // Bevelled joins (Leaflet rounds them): at this width they look the same, and stroking
      // a world's borders is most of a zoom's frame (390 px phone, CPU slowed 4x: medians of
      // 266 ms a zoom step with round joins, 188 with bevelled; the outlines are closed, so
      // caps never show).
      ctx.lineJoin = 'bevel';
      ctx.lineWidth = CONTEXT_STYLE.weight;
      ctx.strokeStyle = CONTEXT_STYLE.color;
      ctx.fillStyle = CONTEXT_STYLE.fillColor;
      var scale = this._map.options.crs.scale(zoom);
      // Feature by feature, fill then outline, as Leaflet does: a shared border is stroked
      // by both neighbours.
      for (var k = 0; k < this._features.length; k++) {
        if (!this._reaches(k, b, scale, origin)) continue;
        var path = this._pathAt(k, zoom);
        ctx.globalAlpha = fillOpacity;
        ctx.fill(path, 'evenodd');
        ctx.globalAlpha = CONTEXT_STYLE.opacity;
        ctx.stroke(path);
      }
      ctx.globalAlpha = 1;
      this._drawn = { bounds: b, zoom: zoom, origin: origin, size: this._map.getSize(), fillOpacity: fillOpacity };
      this.drawCount = (this.drawCount || 0) + 1;
    },

    // The features drawn (their outline reaches into the canvas), by their properties.
    drawnFeatures: function () {
      var b = this._bounds;
      if (!this._map || !b) return [];
      var scale = this._map.options.crs.scale(this._map.getZoom());
      var origin = this._map.getPixelOrigin();
      var self = this;
      return this._features
        .filter(function (f, k) {
          return self._reaches(k, b, scale, origin);
        })
        .map(function (f) {
          return f.properties;
        });
    },
  });

