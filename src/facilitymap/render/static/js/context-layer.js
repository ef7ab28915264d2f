// context-layer.js: The context layer (ContextLayer): country borders and labels under the sites, projected
// once and simplified per zoom level.

  // ---------------------------------------------------------------- the country borders
  // Leaflet's own polygons project every vertex (33,000 of them) again at each zoom, twice
  // for a zoom without animation, and clip and simplify them again at each move: 15-20 ms
  // of script before the frame. Here they are projected once, and simplified once per zoom
  // level as Leaflet would (whole pixels, 1 px tolerance), into paths that each view change
  // only strokes and fills.
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
      this._paths = {}; // zoom -> one Path2D per feature, in world pixels at that zoom
      this._drawn = null; // what the canvas shows: bounds, zoom, fill opacity
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
      L.Renderer.prototype._update.call(this);
      this._draw();
    },

    setFillOpacity: function (value) {
      this.options.fillOpacity = value;
      if (this._map) this._draw();
    },

    // The features' outlines at `zoom`, as Leaflet draws them: vertices on whole world
    // pixels, then simplified to within a pixel.
    _pathsAt: function (zoom) {
      if (this._paths[zoom]) return this._paths[zoom];
      var scale = this._map.options.crs.scale(zoom);
      var tolerance = L.Path.prototype.options.smoothFactor || 1;
      this._paths[zoom] = this._features.map(function (f) {
        var path = new Path2D();
        f.area.parts.forEach(function (flat) {
          var points = new Array(flat.length / 2);
          for (var j = 0; j < flat.length; j += 2) {
            points[j / 2] = L.point(Math.round(flat[j] * scale), Math.round(flat[j + 1] * scale));
          }
          points = L.LineUtil.simplify(points, tolerance);
          for (var k = 0; k < points.length; k++) {
            if (k) path.lineTo(points[k].x, points[k].y);
            else path.moveTo(points[k].x, points[k].y);
          }
          path.closePath();
        });
        return path;
      });
      return this._paths[zoom];
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
      ctx.lineCap = ctx.lineJoin = 'round';
      ctx.lineWidth = CONTEXT_STYLE.weight;
      ctx.strokeStyle = CONTEXT_STYLE.color;
      ctx.fillStyle = CONTEXT_STYLE.fillColor;
      var paths = this._pathsAt(zoom);
      // Feature by feature, fill then outline, as Leaflet does: a shared border is stroked
      // by both neighbours.
      for (var k = 0; k < paths.length; k++) {
        ctx.globalAlpha = fillOpacity;
        ctx.fill(paths[k], 'evenodd');
        ctx.globalAlpha = CONTEXT_STYLE.opacity;
        ctx.stroke(paths[k]);
      }
      ctx.globalAlpha = 1;
      this._drawn = { bounds: b, zoom: zoom, fillOpacity: fillOpacity };
      this.drawCount = (this.drawCount || 0) + 1;
    },

    // The features drawn (their outline reaches into the canvas), by their properties.
    drawnFeatures: function () {
      var b = this._bounds;
      if (!this._map || !b) return [];
      var scale = this._map.options.crs.scale(this._map.getZoom());
      var origin = this._map.getPixelOrigin();
      return this._features
        .filter(function (f) {
          var box = f.area.box;
          return box[2] * scale - origin.x >= b.min.x && box[0] * scale - origin.x <= b.max.x &&
            box[3] * scale - origin.y >= b.min.y && box[1] * scale - origin.y <= b.max.y;
        })
        .map(function (f) {
          return f.properties;
        });
    },
  });

