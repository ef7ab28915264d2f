/* facilitymap: the map page's own code (data layer, popups, legend, list, search, permalink).
 *
 * Safety rules this file keeps:
 *  - Every string from the layer enters the page through textContent or as the value of an
 *    attribute of an element created here; never through innerHTML, a template literal, eval
 *    or a Function constructor.
 *  - A link is made only when new URL(u) parses and its protocol is http: or https:.
 *  - Text from the data sits in dir="auto" elements, which isolate it, so a right-to-left
 *    override inside a name cannot reorder the words around it.
 *  - The URL hash is input too: a site id from it is only used to look a site up.
 */
(function () {
  'use strict';

  var GLYPH_TOLERANCE = 4; // extra pixels around a glyph that still count as a click on it
  var LIST_PAGE = 100; // list items shown at once (the list pages at 100,000 sites)
  var MAX_FOCUS_ZOOM = 16;
  var CIRCLE_BATCH = 256; // precision circles filled as one path
  var CONTEXT_FILL = 0.3; // country fill over a basemap (0.92 without one)

  // ---------------------------------------------------------------- DOM helpers
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function add(parent) {
    for (var i = 1; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return parent;
  }

  // Text from the layer: isolated from its surroundings (bidi), direction from its content.
  function dataText(tag, cls, text) {
    var node = el(tag, cls, text);
    node.dir = 'auto';
    return node;
  }

  function safeHref(value) {
    if (typeof value !== 'string') return null;
    var url;
    try {
      url = new URL(value);
    } catch (err) {
      return null;
    }
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  }

  // A link when the URL is http(s), plain text otherwise.
  function link(url, text, cls) {
    var href = safeHref(url);
    if (!href) return dataText('span', cls, text);
    var a = dataText('a', cls, text);
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }

  function escapeHTML(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function isText(value) {
    return typeof value === 'string' && value.length > 0;
  }

  function asArray(value) {
    return Array.isArray(value) ? value : [];
  }

  // A reduced-precision ISO date (2019, 2019-02) counts from the end of its period; this
  // key sorts dates that way ("2019-02-31" sorts after every day of February).
  function dateEndKey(text) {
    if (!isText(text)) return '';
    if (text.length === 4) return text + '-12-31';
    if (text.length === 7) return text + '-31';
    return text;
  }

  function label(group, key) {
    var table = VOCAB.labels[group] || {};
    return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : String(key);
  }

  // ---------------------------------------------------------------- payload
  // A JSON data element: plain, or deflated and base64-encoded (large layers).
  function readElement(node) {
    if (!node) return Promise.resolve(null);
    var encoding = node.getAttribute('data-encoding');
    if (!encoding) return Promise.resolve(JSON.parse(node.textContent));
    if (encoding !== 'deflate-base64' || typeof DecompressionStream === 'undefined') {
      return Promise.reject(new Error('this browser cannot read the compressed map data'));
    }
    var text = node.textContent.trim();
    var bytes;
    if (typeof Uint8Array.fromBase64 === 'function') {
      bytes = Uint8Array.fromBase64(text);
    } else {
      var binary = atob(text);
      bytes = new Uint8Array(binary.length);
      for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
    return new Response(stream).text().then(JSON.parse);
  }

  // The index (what every site is drawn and listed by) comes first; each site's full
  // properties (claims, sources, notes) are in fm-details, read once the map is drawn.
  function readPayload() {
    return readElement(document.getElementById('fm-data'));
  }

  var VOCAB = null; // payload.vocab: statuses, confidence, labels, basemaps

  // ---------------------------------------------------------------- sites
  var MAX_LAT = 85.0511287798;

  // Normalised Web Mercator: x and y in [0, 1], y down (Leaflet's at zoom 0, over 256).
  function mercatorX(lon) {
    return lon / 360 + 0.5;
  }

  function mercatorY(lat) {
    var phi = (Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)) * Math.PI) / 180;
    return 0.5 - Math.log(Math.tan(Math.PI / 4 + phi / 2)) / (2 * Math.PI);
  }

  function projectRings(geometry) {
    // Rings (or lines) of an area geometry as flat arrays of normalised Mercator x, y.
    var type = geometry && geometry.type;
    var parts = [];
    var polys;
    if (type === 'Polygon') polys = [geometry.coordinates];
    else if (type === 'MultiPolygon') polys = geometry.coordinates;
    else if (type === 'LineString') polys = [[geometry.coordinates]];
    else if (type === 'MultiLineString') polys = [geometry.coordinates];
    else return { parts: parts, closed: false };
    var box = [Infinity, Infinity, -Infinity, -Infinity];
    asArray(polys).forEach(function (rings) {
      asArray(rings).forEach(function (ring) {
        var flat = new Float64Array(asArray(ring).length * 2);
        asArray(ring).forEach(function (pos, k) {
          var x = mercatorX(+pos[0]);
          var y = mercatorY(+pos[1]);
          flat[2 * k] = x;
          flat[2 * k + 1] = y;
          box[0] = Math.min(box[0], x);
          box[1] = Math.min(box[1], y);
          box[2] = Math.max(box[2], x);
          box[3] = Math.max(box[3], y);
        });
        parts.push(flat);
      });
    });
    return { parts: parts, closed: type === 'Polygon' || type === 'MultiPolygon', box: box };
  }

  function prepareSites(records) {
    var statusIndex = {};
    VOCAB.statuses.forEach(function (s, i) {
      statusIndex[s.key] = i;
    });
    var confIndex = {};
    VOCAB.confidence.forEach(function (c, i) {
      confIndex[c.key] = i;
    });
    var fallbackStatus = VOCAB.statuses.length - 1;
    var has = Object.prototype.hasOwnProperty;
    var sites = new Array(records.length);
    for (var i = 0; i < records.length; i++) {
      var record = records[i];
      var p = record.properties && typeof record.properties === 'object' ? record.properties : {};
      var loc = p.location && typeof p.location === 'object' ? p.location : {};
      var centre = Array.isArray(record.c) ? record.c : null;
      var site = {
        i: i,
        id: String(record.id),
        p: p,
        full: false, // p holds the index's few properties until the site's details are read
        deciding: asArray(record.deciding_claims),
        last: record.last,
        later: +record.later_claims || 0,
        status: has.call(statusIndex, p.status) ? statusIndex[p.status] : fallbackStatus,
        conf: has.call(confIndex, p.confidence) ? confIndex[p.confidence] : 0,
        located: false,
        lon: NaN,
        lat: NaN,
        mx: NaN,
        my: NaN,
        radius: +loc.precision_m > 0 ? +loc.precision_m : 0,
        area: null,
        areaRadius: 0,
        geometry: record.g || null,
        name: isText(p.name) ? p.name : String(record.id),
        search: null, // made at the first search (searchText)
      };
      if (centre && isFinite(centre[0]) && isFinite(centre[1])) {
        site.located = true;
        site.lon = +centre[0];
        site.lat = +centre[1];
        site.mx = mercatorX(site.lon);
        site.my = mercatorY(site.lat);
        if (record.g) {
          site.area = projectRings(record.g);
          // An area's "radius": half its bounding box's diagonal, in metres, so links and
          // zooms never show it closer than its size justifies.
          var box = site.area.box;
          var metres = 40075016.686 * Math.cos((site.lat * Math.PI) / 180);
          site.areaRadius = (Math.hypot(box[2] - box[0], box[3] - box[1]) * metres) / 2;
        }
      }
      sites[i] = site;
    }
    return sites;
  }

  // A site's names, id and places, normalised for search. Made at the first search, not
  // before the first draw: Unicode normalisation of 100,000 sites' names takes a while.
  function searchText(site) {
    if (site.search === null) {
      var p = site.p;
      var names = [p.name, site.id, p.admin1, p.admin2, p.admin3];
      asArray(p.local_names).forEach(function (n) {
        if (n && typeof n === 'object') names.push(n.name);
      });
      site.search = normalise(names.filter(isText).join(' \u0000 '));
    }
    return site.search;
  }

  function normalise(text) {
    return String(text)
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase();
  }

  // ---------------------------------------------------------------- glyphs
  // Adds one glyph outline to the current path (so many glyphs can share one fill).
  function traceShape(ctx, shape, x, y, r) {
    if (shape === 'diamond') {
      var d = r * 1.3;
      ctx.moveTo(x, y - d);
      ctx.lineTo(x + d, y);
      ctx.lineTo(x, y + d);
      ctx.lineTo(x - d, y);
      ctx.closePath();
    } else if (shape === 'square') {
      var s = r * 0.95;
      ctx.rect(x - s, y - s, 2 * s, 2 * s);
    } else if (shape === 'triangle') {
      var t = r * 1.35;
      ctx.moveTo(x, y - t);
      ctx.lineTo(x + t * 0.95, y + t * 0.62);
      ctx.lineTo(x - t * 0.95, y + t * 0.62);
      ctx.closePath();
    } else {
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.closePath();
    }
  }

  // Fills and strokes the current path as a glyph of one status at one confidence.
  function paintGlyphs(ctx, style, alpha) {
    ctx.globalAlpha = alpha;
    ctx.setLineDash([]);
    if (style.fill === 'solid') {
      ctx.fillStyle = style.color;
      ctx.fill();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = '#1b1b1b';
      ctx.stroke();
    } else {
      // Hollow: a white core inside a thick coloured ring, edged in dark for contrast.
      ctx.fillStyle = '#ffffff';
      ctx.fill();
      ctx.lineWidth = 4.5;
      ctx.strokeStyle = '#1b1b1b';
      ctx.stroke();
      ctx.lineWidth = 2.8;
      ctx.strokeStyle = style.fill === 'dashed' ? '#ffffff' : style.color;
      ctx.stroke();
      if (style.fill === 'dashed') {
        ctx.setLineDash([3, 2.5]);
        ctx.strokeStyle = style.color;
        ctx.stroke();
        ctx.setLineDash([]);
      }
    }
    ctx.globalAlpha = 1;
  }

  // The translucent inside of precision circles (the current path holds several).
  function fillCircles(ctx, style) {
    ctx.globalAlpha = 0.13;
    ctx.fillStyle = style.color;
    ctx.fill();
    ctx.globalAlpha = 1;
  }

  // A precision circle's dashed outline, centred on the origin of ctx.
  function strokeCircle(ctx, style, r) {
    ctx.beginPath();
    ctx.moveTo(r, 0);
    ctx.arc(0, 0, r, 0, 2 * Math.PI);
    strokeCircles(ctx, style);
  }

  // Dashed outlines of the precision circles in the current path.
  function strokeCircles(ctx, style) {
    ctx.globalAlpha = 0.75;
    ctx.setLineDash([6, 4]);
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = style.color;
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
  }

  // ---------------------------------------------------------------- sprites
  // A software rasteriser (no GPU) fills and strokes 100,000 small paths in seconds but
  // copies as many small bitmaps in a fraction of that. So each glyph style (status and
  // confidence), and each precision outline (status and radius in whole pixels), is drawn
  // once into a small canvas, at the screen's pixel ratio, and stamped where it is needed.
  // A stamp lands on whole device pixels: at most half a pixel from the exact spot.
  var sprites = {};
  var SPRITE_MAX_RADIUS = 160; // device pixels; bigger outlines are stroked as paths

  // A sprite: `paint(ctx)` draws around (0, 0) in CSS pixels within `extent` of it.
  function makeSprite(extent, ratio, paint) {
    var half = Math.ceil(extent * ratio) + 1;
    var canvas = document.createElement('canvas');
    canvas.width = canvas.height = 2 * half;
    var ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, half, half);
    paint(ctx);
    return { image: canvas, half: half };
  }

  function glyphSprite(statusIndex, confIndex, ratio) {
    var key = 'g' + statusIndex + ':' + confIndex + '@' + ratio;
    if (!sprites[key]) {
      var style = VOCAB.statuses[statusIndex];
      var alpha = VOCAB.confidence[confIndex].alpha;
      // The largest shape (triangle) reaches 1.35 radii out; the widest stroke 2.25 px more.
      sprites[key] = makeSprite(style.size * 1.35 + 3, ratio, function (ctx) {
        drawGlyph(ctx, style, alpha, 0, 0);
      });
    }
    return sprites[key];
  }

  function outlineSprite(statusIndex, radius, ratio) {
    var key = 'o' + statusIndex + ':' + radius + '@' + ratio;
    if (!sprites[key]) {
      var style = VOCAB.statuses[statusIndex];
      sprites[key] = makeSprite(radius / ratio + 1, ratio, function (ctx) {
        strokeCircle(ctx, style, radius / ratio);
      });
    }
    return sprites[key];
  }

  function drawGlyph(ctx, style, alpha, x, y) {
    ctx.beginPath();
    traceShape(ctx, style.shape, x, y, style.size);
    paintGlyphs(ctx, style, alpha);
  }

  var glyphImages = {};
  // The glyph as a PNG data: URI (legend, list, layer control): drawn by drawGlyph too.
  function glyphImage(statusIndex, confIndex) {
    var key = statusIndex + ':' + confIndex;
    if (glyphImages[key]) return glyphImages[key];
    var style = VOCAB.statuses[statusIndex];
    var scale = 2;
    var size = 26;
    var canvas = document.createElement('canvas');
    canvas.width = canvas.height = size * scale;
    var ctx = canvas.getContext('2d');
    ctx.scale(scale, scale);
    drawGlyph(ctx, style, VOCAB.confidence[confIndex].alpha, size / 2, size / 2);
    glyphImages[key] = canvas.toDataURL('image/png');
    return glyphImages[key];
  }

  function glyphImg(statusIndex, confIndex, cls) {
    var img = el('img', 'fm-glyph' + (cls ? ' ' + cls : ''));
    img.src = glyphImage(statusIndex, confIndex === undefined ? VOCAB.confidence.length - 1 : confIndex);
    img.alt = '';
    img.width = img.height = 20;
    return img;
  }

  // ---------------------------------------------------------------- the site layer
  // One canvas draws every site: precision areas first (largest under smallest), glyphs
  // above them in status order (the officially denied drawn last, on top), so a vague site
  // never hides a precise one and no denied site is ever covered or clustered away.
  //
  // A large layer takes half a second to draw (100,000 sites, no GPU). After a pan or zoom
  // it is drawn a slice at a time, a few milliseconds per animation frame, into a second
  // canvas off screen, which replaces the shown one once every site is on it: the page
  // answers meanwhile, and the previous image stays, moved and scaled to the new view. A
  // small layer, and the first draw (nothing to show meanwhile), are drawn at once.
  // The canvas rasterises what a slice drew at the end of its frame (at the frame's cost,
  // up to four times the slice's for large translucent circles): a slice shrinks while
  // frames come late, and grows back while they come on time.
  var SLICE_MS = 10; // the most script per frame
  var SLICE_MIN_MS = 2;
  // A draw starts small: its first slices are the translucent precision areas, the costliest
  // to rasterise, and a first slice of 10 ms made the longest frame of a zoom (35-60 ms).
  var SLICE_FIRST_MS = 3;
  var FRAME_LATE_MS = 22; // a frame later than this after the previous one shrinks the slice
  var SLICE_MIN_SITES = 5000; // located sites; fewer are drawn at once
  var SiteLayer = L.Renderer.extend({
    options: { padding: 0.3 },

    initialize: function (state, options) {
      L.Renderer.prototype.initialize.call(this, options);
      this._state = state;
      // Tests lower these two (a sliceMs of 0 draws the least per frame: 16 areas or 128
      // glyphs).
      this.sliceMin = SLICE_MIN_SITES;
      this.sliceMs = SLICE_MS;
      // Where each glyph of the shown image is (for hit-testing), and a second set for
      // the draw under way.
      this._hits = { ids: new Int32Array(0), x: new Float64Array(0), y: new Float64Array(0), count: 0 };
      this._spareHits = { ids: new Int32Array(0), x: new Float64Array(0), y: new Float64Array(0), count: 0 };
      this._shown = null; // the view the shown image was drawn for
      this._job = null; // a sliced draw under way
    },

    onAdd: function () {
      L.Renderer.prototype.onAdd.call(this);
      this.requestDraw(); // usually the moveend that follows draws first
    },

    _makeCanvas: function () {
      var canvas = document.createElement('canvas');
      canvas.className = 'fm-sites-canvas' + (this._zoomAnimated ? ' leaflet-zoom-animated' : '');
      return canvas;
    },

    _initContainer: function () {
      // No _leaflet_disable_events (unlike L.Canvas): clicks on the canvas are map clicks,
      // and the map hit-tests them against the glyphs.
      this._container = this._makeCanvas();
      this._ctx = this._container.getContext('2d');
      this._spare = null; // the canvas a sliced draw goes into (made when first needed)
    },

    _destroyContainer: function () {
      this._cancel();
      L.DomUtil.remove(this._container);
      delete this._ctx;
      delete this._container;
      this._spare = null;
      this._shown = null;
    },

    // The view changed: this._bounds, _center and _zoom now say what to draw. The shown
    // canvas keeps its image (and place) until the new one is drawn.
    _update: function () {
      if (this._map._animatingZoom && this._bounds) return;
      L.Renderer.prototype._update.call(this);
      this.fire('update');
    },

    // Places the shown image in the view at `center` and `zoom` (Leaflet calls this on
    // zoom, during zoom animations and on a view reset): its top-left corner, in world
    // pixels at the image's zoom, scaled to `zoom`, less the layer origin there.
    _updateTransform: function (center, zoom) {
      var shown = this._shown;
      if (!shown || !this._container) return;
      var map = this._map;
      var scale = map.getZoomScale(zoom, shown.zoom);
      var offset = shown.bounds.min
        .add(shown.origin)
        .multiplyBy(scale)
        .subtract(map._getNewPixelOrigin(center, zoom));
      if (L.Browser.any3d) L.DomUtil.setTransform(this._container, offset, scale);
      else L.DomUtil.setPosition(this._container, offset);
    },

    _onAnimZoom: function (ev) {
      this._cancel(); // a sliced draw for the view being left; moveend starts another
      this._updateTransform(ev.center, ev.zoom);
    },

    // A view change draws at the next frame: a popup that pans the map into view after a
    // jump to its site then costs one draw, not two.
    _updatePaths: function () {
      this.requestDraw();
    },

    // Toggles, selections and view changes ask for a redraw; it starts at the next frame
    // (one per frame however often asked). A sliced draw under way is out of date then.
    requestDraw: function () {
      var self = this;
      this._job = null;
      if (this._pending) return;
      this._pending = L.Util.requestAnimFrame(function () {
        self._pending = null;
        self._frame();
      });
    },

    _cancel: function () {
      if (this._pending) L.Util.cancelAnimFrame(this._pending);
      this._pending = null;
      this._job = null;
    },

    // One animation frame's drawing: all of it, or the next slice of a large layer.
    _frame: function () {
      var self = this;
      if (!this._map || !this._ctx || !this._bounds) return;
      if (!this._job) {
        var sites = this._state.glyphOrder.length;
        if (!this._shown || sites < this.sliceMin) {
          this.draw();
          return;
        }
        this._spare = this._spare || this._makeCanvas();
        this._job = this._begin(this._spare);
      }
      var job = this._job;
      var now = performance.now();
      if (job.frame) {
        if (now - job.frame > FRAME_LATE_MS) job.slice = Math.max(SLICE_MIN_MS, job.slice * 0.7);
        else job.slice = job.slice + 1;
        job.slice = Math.min(this.sliceMs, job.slice);
      }
      job.frame = now;
      if (this._run(job, now + job.slice)) {
        this._job = null;
        this._finish(job);
      } else {
        this._pending = L.Util.requestAnimFrame(function () {
          self._pending = null;
          self._frame();
        });
      }
    },

    // Finish now whatever draw is asked for or under way, so what is read matches what is
    // asked.
    flush: function () {
      if (this._pending || this._job) this.draw();
    },

    // Draw every site now: the rest of a sliced draw, or all of them onto the shown canvas.
    draw: function () {
      var job = this._job;
      this._cancel();
      if (!this._map || !this._ctx || !this._bounds) return;
      job = job || this._begin(this._container);
      this._run(job, Infinity);
      this._finish(job);
    },

    // A draw of the current view into `canvas`, begun: where and how to draw (layer pixels
    // -> canvas pixels, which part shows), and how far it has got.
    _begin: function (canvas) {
      var map = this._map;
      var b = this._bounds;
      var size = b.getSize();
      var ratio = window.devicePixelRatio || 1;
      var margin = 12;
      var width = Math.round(size.x * ratio);
      var height = Math.round(size.y * ratio);
      var ctx = canvas === this._container ? this._ctx : canvas.getContext('2d');
      if (canvas.width !== width || canvas.height !== height) {
        canvas.width = width;
        canvas.height = height;
        canvas.style.width = size.x + 'px';
        canvas.style.height = size.y + 'px';
      } else {
        ctx.setTransform(1, 0, 0, 1, 0, 0);
        ctx.clearRect(0, 0, width, height);
      }
      var n = this._state.glyphOrder.length;
      var hits = this._spareHits;
      if (hits.ids.length < n) {
        hits.ids = new Int32Array(n);
        hits.x = new Float64Array(n);
        hits.y = new Float64Array(n);
      }
      hits.count = 0;
      return {
        canvas: canvas,
        ctx: ctx,
        hits: hits,
        view: {
          ratio: ratio,
          scale: map.options.crs.scale(map.getZoom()),
          origin: map.getPixelOrigin(),
          left: b.min.x,
          top: b.min.y,
          minX: b.min.x - margin,
          minY: b.min.y - margin,
          maxX: b.max.x + margin,
          maxY: b.max.y + margin,
        },
        // What the image shows, once drawn.
        shown: { bounds: b, origin: map.getPixelOrigin(), zoom: map.getZoom(), view: null },
        slice: Math.min(this.sliceMs, SLICE_FIRST_MS), // milliseconds of script per frame
        frame: 0, // when the last frame's slice began
        phase: 0, // 0: areas, 1: glyphs, 2: done
        a: 0, // next area (index into areaOrder)
        batch: [], // circles in the current path: x, y, r
        batchStatus: -1,
        g: 0, // next glyph (index into glyphOrder)
        key: -1, // the glyph sprite in hand
        sprite: null,
      };
    },

    // Draws on until `deadline` (performance.now()); true when every site is drawn.
    _run: function (job, deadline) {
      var ctx = job.ctx;
      var view = job.view;
      if (job.phase === 0 && this._drawAreas(ctx, view, job, deadline)) job.phase = 1;
      if (job.phase === 1 && this._drawGlyphs(ctx, view, job, deadline)) job.phase = 2;
      return job.phase === 2;
    },

    // The finished image shown (in place of the old one, if drawn off screen), and where
    // its glyphs are.
    _finish: function (job) {
      var canvas = job.canvas;
      var old = this._container;
      if (canvas !== old) {
        if (old.parentNode) old.parentNode.replaceChild(canvas, old);
        this._container = canvas;
        this._ctx = job.ctx;
        this._spare = old;
      }
      L.DomUtil.setPosition(canvas, job.shown.bounds.min);
      this._shown = job.shown;
      this._shown.view = job.view;
      this._spareHits = this._hits;
      this._hits = job.hits;
      this.drawCount = (this.drawCount || 0) + 1;
      this.fire('drawn');
    },

    // Precision areas: circles of precision_m, or the polygon / line itself, largest first.
    // Circles of one status share a path for their translucent inside (overlaps do not
    // darken within a batch); their dashed outlines are sprites. True when all are drawn,
    // false when `deadline` came first (the job says where to go on).
    _drawAreas: function (ctx, view, job, deadline) {
      var state = this._state;
      var sites = state.sites;
      var visible = state.visible;
      var areas = state.areaOrder;
      var scale = view.scale;
      var origin = view.origin;
      var batch = job.batch;
      var batchStatus = job.batchStatus;
      ctx.setTransform(view.ratio, 0, 0, view.ratio, -view.left * view.ratio, -view.top * view.ratio);
      for (var a = job.a; a < areas.length; a++) {
        if ((a & 15) === 0 && a !== job.a && performance.now() >= deadline) {
          job.a = a;
          job.batch = batch;
          job.batchStatus = batchStatus;
          return false;
        }
        var site = sites[areas[a]];
        if (!visible[site.status]) continue;
        var style = VOCAB.statuses[site.status];
        if (site.area) {
          // Skip areas out of view, or too small to show beside their glyph.
          var box = site.area.box;
          var x0 = box[0] * scale - origin.x;
          var y0 = box[1] * scale - origin.y;
          var x1 = box[2] * scale - origin.x;
          var y1 = box[3] * scale - origin.y;
          if (x1 < view.minX || x0 > view.maxX || y1 < view.minY || y0 > view.maxY) continue;
          if (x1 - x0 < style.size && y1 - y0 < style.size) continue;
          this._drawArea(ctx, site, style, scale, origin);
        } else if (site.radius) {
          var x = site.mx * scale - origin.x;
          var y = site.my * scale - origin.y;
          var r = (site.radius / (40075016.686 * Math.cos((site.lat * Math.PI) / 180))) * scale;
          if (r < style.size + 2) continue;
          if (x + r < view.minX || x - r > view.maxX || y + r < view.minY || y - r > view.maxY) continue;
          if (site.status !== batchStatus || batch.length >= 3 * CIRCLE_BATCH) {
            this._paintCircleBatch(ctx, view, batchStatus, batch);
            batchStatus = site.status;
            batch = [];
          }
          batch.push(x, y, r);
        }
      }
      this._paintCircleBatch(ctx, view, batchStatus, batch);
      job.a = areas.length;
      job.batch = [];
      return true;
    },

    // One batch of precision circles of one status: the insides as one path, then outlines.
    _paintCircleBatch: function (ctx, view, statusIndex, batch) {
      if (!batch.length) return;
      var style = VOCAB.statuses[statusIndex];
      var ratio = view.ratio;
      var k;
      ctx.beginPath();
      for (k = 0; k < batch.length; k += 3) {
        ctx.moveTo(batch[k] + batch[k + 2], batch[k + 1]);
        ctx.arc(batch[k], batch[k + 1], batch[k + 2], 0, 2 * Math.PI);
      }
      fillCircles(ctx, style);
      // Outlines up to SPRITE_MAX_RADIUS are stamped in device pixels; larger ones stroked.
      var large = [];
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      for (k = 0; k < batch.length; k += 3) {
        var radius = Math.round(batch[k + 2] * ratio);
        if (radius > SPRITE_MAX_RADIUS) {
          large.push(k);
          continue;
        }
        var sprite = outlineSprite(statusIndex, radius, ratio);
        ctx.drawImage(
          sprite.image,
          Math.round((batch[k] - view.left) * ratio) - sprite.half,
          Math.round((batch[k + 1] - view.top) * ratio) - sprite.half
        );
      }
      ctx.setTransform(ratio, 0, 0, ratio, -view.left * ratio, -view.top * ratio);
      if (!large.length) return;
      ctx.beginPath();
      for (var j = 0; j < large.length; j++) {
        k = large[j];
        ctx.moveTo(batch[k] + batch[k + 2], batch[k + 1]);
        ctx.arc(batch[k], batch[k + 1], batch[k + 2], 0, 2 * Math.PI);
      }
      strokeCircles(ctx, style);
    },

    // Glyphs, in drawing order (most contested last, on top); remembers where each went,
    // for hit-testing. True when all are drawn, false when `deadline` came first.
    _drawGlyphs: function (ctx, view, job, deadline) {
      var state = this._state;
      var sites = state.sites;
      var visible = state.visible;
      var order = state.glyphOrder;
      var scale = view.scale;
      var ox = view.origin.x;
      var oy = view.origin.y;
      var ratio = view.ratio;
      var hits = job.hits;
      var ids = hits.ids;
      var hx = hits.x;
      var hy = hits.y;
      // Device pixels: the sprites are stamped without a transform.
      var dx = -view.left * ratio;
      var dy = -view.top * ratio;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      var n = hits.count;
      var key = job.key;
      var sprite = job.sprite;
      for (var g = job.g; g < order.length; g++) {
        if ((g & 127) === 0 && g !== job.g && performance.now() >= deadline) {
          job.g = g;
          job.key = key;
          job.sprite = sprite;
          hits.count = n;
          ctx.setTransform(ratio, 0, 0, ratio, dx, dy);
          return false;
        }
        var s = sites[order[g]];
        if (!visible[s.status]) continue;
        var gx = s.mx * scale - ox;
        var gy = s.my * scale - oy;
        if (gx < view.minX || gx > view.maxX || gy < view.minY || gy > view.maxY) continue;
        if (s.status * 16 + s.conf !== key) {
          key = s.status * 16 + s.conf;
          sprite = glyphSprite(s.status, s.conf, ratio);
        }
        ctx.drawImage(
          sprite.image,
          Math.round(gx * ratio + dx) - sprite.half,
          Math.round(gy * ratio + dy) - sprite.half
        );
        ids[n] = s.i;
        hx[n] = gx;
        hy[n] = gy;
        n++;
      }
      ctx.setTransform(ratio, 0, 0, ratio, dx, dy);
      job.g = order.length;
      hits.count = n;
      return true;
    },

    _drawArea: function (ctx, site, style, scale, origin) {
      var parts = site.area.parts;
      ctx.beginPath();
      for (var k = 0; k < parts.length; k++) {
        var flat = parts[k];
        for (var j = 0; j < flat.length; j += 2) {
          var x = flat[j] * scale - origin.x;
          var y = flat[j + 1] * scale - origin.y;
          if (j === 0) ctx.moveTo(x, y);
          else ctx.lineTo(x, y);
        }
        if (site.area.closed) ctx.closePath();
      }
      if (site.area.closed) {
        ctx.globalAlpha = 0.13;
        ctx.fillStyle = style.color;
        ctx.fill('evenodd');
        ctx.globalAlpha = 0.8;
        ctx.setLineDash([6, 4]);
        ctx.lineWidth = 1.5;
      } else {
        ctx.globalAlpha = 0.6;
        ctx.setLineDash([]);
        ctx.lineWidth = 4;
      }
      ctx.strokeStyle = style.color;
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
    },

    // The site whose glyph is under a layer point: the topmost one on screen now (denied
    // first), without finishing a draw under way (a click or the pointer moving): the shown
    // image may be a previous view's, moved and scaled.
    shownAt: function (point) {
      var shown = this._shown;
      if (!shown || !this._map) return -1;
      var map = this._map;
      // The point in the shown image's layer pixels.
      var scale = map.getZoomScale(map.getZoom(), shown.zoom);
      var origin = map.getPixelOrigin();
      var px = (point.x + origin.x) / scale - shown.origin.x;
      var py = (point.y + origin.y) / scale - shown.origin.y;
      var hits = this._hits;
      var sites = this._state.sites;
      for (var k = hits.count - 1; k >= 0; k--) {
        var site = sites[hits.ids[k]];
        var reach = (VOCAB.statuses[site.status].size * 1.3 + GLYPH_TOLERANCE) / scale;
        var dx = hits.x[k] - px;
        var dy = hits.y[k] - py;
        if (dx * dx + dy * dy <= reach * reach) return site.i;
      }
      return -1;
    },

    drawnIds: function () {
      this.flush();
      var ids = [];
      var hits = this._hits;
      for (var k = 0; k < hits.count; k++) ids.push(this._state.sites[hits.ids[k]].id);
      return ids;
    },
  });

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

  // ---------------------------------------------------------------- the selection ring
  // A ring around the selected site's glyph, on its own small canvas above the sites, so
  // selecting a site redraws no site (at 100,000 sites a full redraw takes most of a second).
  function ringIcon(statusIndex) {
    var radius = VOCAB.statuses[statusIndex].size * 1.3 + 6;
    var half = Math.ceil(radius + 3); // the white ring reaches 2.5 px past the radius
    var ratio = window.devicePixelRatio || 1;
    var canvas = document.createElement('canvas');
    canvas.className = 'fm-ring';
    canvas.width = canvas.height = Math.round(2 * half * ratio);
    canvas.style.width = canvas.style.height = 2 * half + 'px';
    var ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, half * ratio, half * ratio);
    ctx.beginPath();
    ctx.arc(0, 0, radius, 0, 2 * Math.PI);
    ctx.lineWidth = 5;
    ctx.strokeStyle = '#ffffff';
    ctx.stroke();
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = '#000000';
    ctx.stroke();
    return L.divIcon({ html: canvas, className: 'fm-ring-icon', iconSize: [2 * half, 2 * half] });
  }

  // A layer-control entry that shows or hides one status category on the site canvas.
  var StatusToggle = L.Layer.extend({
    initialize: function (app, statusIndex) {
      this._app = app;
      this.statusIndex = statusIndex;
    },
    onAdd: function () {
      this._app.setStatusVisible(this.statusIndex, true);
    },
    onRemove: function () {
      this._app.setStatusVisible(this.statusIndex, false);
    },
  });

  // ---------------------------------------------------------------- site details (popup)
  function zoomForRadius(radius, lat, pixels) {
    // The zoom at which a circle of `radius` metres spans about `pixels` pixels across.
    if (!(radius > 0)) return 13;
    var metresPerPixel = (2 * radius) / pixels;
    var z = Math.log2((156543.03392 * Math.cos((lat * Math.PI) / 180)) / metresPerPixel);
    return Math.max(3, Math.min(MAX_FOCUS_ZOOM, Math.floor(z)));
  }

  function formatMetres(m) {
    if (!(m > 0)) return null;
    if (m >= 1000) return (Math.round(m / 100) / 10).toLocaleString('en') + ' km';
    return Math.round(m).toLocaleString('en') + ' m';
  }

  function sourceEntry(source, fallbackId) {
    var li = el('li', 'fm-source');
    if (!source || typeof source !== 'object') {
      add(li, 'source ', dataText('code', null, fallbackId), ' (not listed in this site\u2019s sources)');
      return li;
    }
    var title = isText(source.title) ? source.title : isText(source.url) ? source.url : source.id;
    var a = link(source.url, title, 'fm-source-title');
    var archive = safeHref(source.archive_url);
    if (a.tagName === 'A') {
      // Robust Links: readers and browser extensions can fall back to the snapshot.
      a.setAttribute('data-originalurl', a.href);
      if (archive) a.setAttribute('data-versionurl', archive);
      if (isText(source.accessed)) a.setAttribute('data-versiondate', source.accessed);
    }
    add(li, a);
    var bits = el('span', 'fm-source-meta');
    add(bits, ' \u2014 ', dataText('span', 'fm-publisher', source.publisher));
    if (isText(source.author)) add(bits, ', ', dataText('span', null, source.author));
    if (isText(source.published)) add(bits, ', ', el('time', null, source.published));
    if (isText(source.via)) add(bits, '; read via ', dataText('span', 'fm-via', source.via));
    if (isText(source.language)) add(bits, ' [', dataText('span', null, source.language), ']');
    add(li, bits);
    if (archive) {
      var snap = link(source.archive_url, 'archived copy', 'fm-archive');
      add(li, ' (', snap, isText(source.accessed) ? ', accessed ' + source.accessed : '', ')');
    } else if (isText(source.accessed)) {
      add(li, el('span', 'fm-source-meta', ' (accessed ' + source.accessed + ')'));
    }
    if (isText(source.note)) add(li, el('br'), dataText('span', 'fm-note', source.note));
    return li;
  }

  function sourceList(ids, sourceMap) {
    var ul = el('ul', 'fm-sources');
    asArray(ids).forEach(function (id) {
      add(ul, sourceEntry(sourceMap[id], String(id)));
    });
    return ul;
  }

  function claimItem(claim, deciding, sourceMap) {
    var li = el('li', 'fm-claim' + (deciding ? ' fm-deciding' : ''));
    var stance = asArray(label('stance', claim.stance));
    var head = el('div', 'fm-claim-head');
    add(
      head,
      el('time', 'fm-date', claim.date),
      ' ',
      el('span', 'fm-stance fm-stance-' + String(claim.stance).replace(/[^a-z-]/g, ''),
        (stance[0] || '') + ' ' + (stance[1] || claim.stance)),
      ' ',
      dataText('strong', 'fm-actor', claim.actor),
      el('span', 'fm-claim-kind',
        ' (' + label('actor_type', claim.actor_type) + '; ' + label('claim_basis', claim.basis) + ')')
    );
    if (deciding) add(head, ' ', el('span', 'fm-badge', '\u2605 decides the status'));
    add(li, head);
    if (isText(claim.summary)) add(li, dataText('p', 'fm-summary', claim.summary));
    if (isText(claim.quote)) add(li, dataText('blockquote', 'fm-quote', '\u201c' + claim.quote + '\u201d'));
    if (isText(claim.note)) add(li, dataText('p', 'fm-note', claim.note));
    add(li, sourceList(claim.sources, sourceMap));
    return li;
  }

  function buildDetail(site, meta) {
    var p = site.p;
    var root = el('article', 'fm-detail');
    root.setAttribute('data-site', site.id);
    var style = VOCAB.statuses[site.status];
    add(root, dataText('h2', 'fm-name', site.name));

    var locals = asArray(p.local_names).filter(function (n) {
      return n && isText(n.name);
    });
    if (locals.length) {
      var ln = el('p', 'fm-local-names');
      locals.forEach(function (n, k) {
        var span = dataText('span', 'fm-local', n.name);
        if (isText(n.lang)) span.lang = n.lang;
        add(ln, k ? ' \u00b7 ' : '', span, isText(n.lang) ? ' (' + n.lang + ')' : '');
      });
      add(root, ln);
    }
    var where = [p.admin3, p.admin2, p.admin1].filter(isText);
    var metaLine = el('p', 'fm-meta', label('kind', p.kind) + ' \u00b7 ' + (p.country || '?'));
    where.forEach(function (w) {
      add(metaLine, ' \u00b7 ', dataText('span', null, w));
    });
    add(root, metaLine);
    if (isText(p.description)) add(root, dataText('p', 'fm-description', p.description));

    // Status and the claims that decide it.
    var status = el('section', 'fm-status');
    status.style.borderLeftColor = style.color;
    var title = el('p', 'fm-status-title');
    add(title, glyphImg(site.status, site.conf), ' ', el('strong', null, style.label));
    add(title, el('span', 'fm-asof', meta.as_of ? ' as of ' + meta.as_of : ' (all claims on record)'));
    add(status, title, el('p', 'fm-status-desc', style.description));
    add(status, el('p', 'fm-axes',
      'Official position: ' + label('official', p.official_status) + '. Evidence: ' +
      label('evidence', p.evidence) + '.'));
    if (site.deciding.length) {
      add(status, el('p', 'fm-decided',
        'Decided by the claim' + (site.deciding.length > 1 ? 's' : '') + ' marked \u2605 below.'));
    }
    add(root, status);

    var conf = el('p', 'fm-confidence');
    var confStyle = VOCAB.confidence[site.conf];
    add(conf, el('strong', null, confStyle ? confStyle.label : String(p.confidence)));
    if (isText(p.confidence_note)) add(conf, ': ', dataText('span', null, p.confidence_note));
    add(root, conf);

    // Claims as a dated timeline.
    var sourceMap = {};
    asArray(p.sources).forEach(function (s) {
      if (s && typeof s === 'object') sourceMap[s.id] = s;
    });
    var claims = asArray(p.claims).filter(function (c) {
      return c && typeof c === 'object';
    });
    claims.sort(function (a, b) {
      var ka = dateEndKey(a.date);
      var kb = dateEndKey(b.date);
      return ka < kb ? -1 : ka > kb ? 1 : String(a.id) < String(b.id) ? -1 : 1;
    });
    add(root, el('h3', null, 'Claims (' + claims.length + ')'));
    var list = el('ol', 'fm-timeline');
    claims.forEach(function (c) {
      add(list, claimItem(c, site.deciding.indexOf(c.id) >= 0, sourceMap));
    });
    if (!claims.length) add(list, el('li', 'fm-empty', 'No claims on record.'));
    add(root, list);
    if (site.later) {
      add(root, el('p', 'fm-later',
        site.later + ' later claim' + (site.later > 1 ? 's are' : ' is') +
        ' not shown: this map shows what was on record on ' + meta.as_of + '.'));
    }

    // Location.
    var loc = p.location && typeof p.location === 'object' ? p.location : {};
    add(root, el('h3', null, 'Location'));
    var locP = el('p', 'fm-location');
    if (site.located) {
      var radius = formatMetres(site.radius);
      add(locP, el('span', 'fm-coords', site.lat.toFixed(5) + ', ' + site.lon.toFixed(5)),
        ' (lat, lon)');
      if (site.geometry) add(locP, ' \u00b7 a ' + String(site.geometry.type).toLowerCase() +
        ' bounds the site; the glyph marks a point inside it');
      if (radius) add(locP, ' \u00b7 somewhere within ' + radius + ' of this point');
    } else {
      add(locP, 'Not located on the map.');
    }
    add(locP, ' \u00b7 basis: ' + label('location_basis', loc.basis));
    add(root, locP);
    if (isText(loc.note)) add(root, dataText('p', 'fm-note', loc.note));
    if (asArray(loc.sources).length) {
      add(root, el('p', 'fm-small', 'Sources for the location:'), sourceList(loc.sources, sourceMap));
    }
    if (site.located) {
      var z = Math.min(18, zoomForRadius(site.radius || site.areaRadius, site.lat, 800));
      var lat = site.lat.toFixed(5);
      var lon = site.lon.toFixed(5);
      var open = el('p', 'fm-open');
      add(open, 'Open this spot in ',
        link('https://www.openstreetmap.org/?mlat=' + lat + '&mlon=' + lon + '#map=' + z + '/' + lat + '/' + lon,
          'OpenStreetMap'),
        ' \u00b7 ',
        link('https://www.google.com/maps/@?api=1&map_action=map&basemap=satellite&zoom=' + z +
          '&center=' + lat + '%2C' + lon, 'Google Maps (satellite)'));
      add(root, open);
    }
    var record = [];
    if (isText(p.first_reported)) record.push('first reported ' + p.first_reported);
    if (isText(p.updated)) record.push('record updated ' + p.updated);
    record.push('id ' + site.id);
    add(root, el('p', 'fm-small fm-record', record.join(' \u00b7 ')));
    return root;
  }

  // ---------------------------------------------------------------- the application
  function App(payload) {
    var self = this;
    VOCAB = payload.vocab;
    this.meta = payload.meta || {};
    this.payloadContext = payload.context || null;
    this.sites = prepareSites(asArray(payload.sites));
    this.byId = {};
    this.sites.forEach(function (s) {
      self.byId[s.id] = s;
    });
    this.visible = VOCAB.statuses.map(function () {
      return true;
    });
    this.selected = -1;
    this.counts = VOCAB.statuses.map(function () {
      return 0;
    });
    this.sites.forEach(function (s) {
      self.counts[s.status]++;
    });
    var located = this.sites.filter(function (s) {
      return s.located;
    });
    var rank = VOCAB.statuses.length;
    this.glyphOrder = located
      .slice()
      .sort(function (a, b) {
        return rank - a.status - (rank - b.status) || a.conf - b.conf || a.i - b.i;
      })
      .map(function (s) {
        return s.i;
      });
    this.areaOrder = located
      .filter(function (s) {
        return s.area || s.radius;
      })
      .sort(function (a, b) {
        return rank - a.status - (rank - b.status) || b.radius - a.radius || a.i - b.i;
      })
      .map(function (s) {
        return s.i;
      });
    this.located = located;
    this.latestClaim = '';
    this.sites.forEach(function (s) {
      var dates = isText(s.last) ? [s.last] : asArray(s.p.claims).map(function (c) {
        return c && c.date;
      });
      dates.forEach(function (d) {
        if (isText(d) && dateEndKey(d) > dateEndKey(self.latestClaim)) self.latestClaim = d;
      });
    });
    this.detailChunks = Array.prototype.map.call(document.querySelectorAll('script.fm-details'), function (node) {
      return { node: node, first: +node.getAttribute('data-first') || 0, promise: null };
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
      minZoom: 2,
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
      if (!self.counts[k]) return;
      var name =
        '<img class="fm-glyph" alt="" width="18" height="18" src="' + glyphImage(k, VOCAB.confidence.length - 1) +
        '"> ' + escapeHTML(s.label) + ' <span class="fm-count">(' + self.counts[k] + ')</span>';
      overlays[name] = self.toggles[k];
      self.toggles[k].addTo(map);
    });
    if (this.countriesLayer) {
      overlays['<span class="fm-border-swatch"></span> Country borders'] = this.countriesLayer;
    }
    this.layersControl = L.control
      .layers(bases, overlays, { collapsed: window.innerHeight < 640 || window.innerWidth <= 700, position: 'topright' })
      .addTo(map);

    L.control.scale({ position: 'bottomleft', imperial: true }).addTo(map);
    this.addCoordinates();
    this.addFullscreen();
    this.addLegend();
    this.addTileBanner();

    map.on('click', function (e) {
      // The glyph the reader clicked on, as shown: finishing a redraw under way first would
      // freeze a 100,000-site page for half a second before the popup.
      var hit = self.siteLayer.shownAt(e.layerPoint);
      if (hit >= 0) self.openSite(self.sites[hit], { pan: false });
    });
    var tooltip = L.tooltip({ direction: 'top', offset: [0, -10], className: 'fm-tip' });
    var hovering = -1;
    map.on('mousemove', function (e) {
      // What is on screen, without finishing a redraw under way.
      var hit = self.siteLayer.shownAt(e.layerPoint);
      if (hit === hovering) return;
      hovering = hit;
      map.getContainer().classList.toggle('fm-over-site', hit >= 0);
      if (hit < 0) {
        map.closeTooltip(tooltip);
        return;
      }
      var site = self.sites[hit];
      var content = el('span');
      add(content, dataText('strong', null, site.name), ' \u2014 ' + VOCAB.statuses[site.status].label);
      tooltip.setLatLng([site.lat, site.lon]).setContent(content);
      map.openTooltip(tooltip);
    });
    map.on('mouseout', function () {
      hovering = -1;
      map.closeTooltip(tooltip);
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
    this.fitAll();
  };

  // The ring follows the selection: on the selected site, if it is on the map and shown.
  App.prototype.updateRing = function () {
    var site = this.selected >= 0 ? this.sites[this.selected] : null;
    if (!site || !site.located || !this.visible[site.status]) {
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

  App.prototype.fitAll = function () {
    var map = this.map;
    if (!this.located.length) {
      map.setView([38.8, 71.2], 6);
      return;
    }
    var south = Infinity;
    var west = Infinity;
    var north = -Infinity;
    var east = -Infinity;
    for (var k = 0; k < this.located.length; k++) {
      var s = this.located[k];
      south = Math.min(south, s.lat);
      north = Math.max(north, s.lat);
      west = Math.min(west, s.lon);
      east = Math.max(east, s.lon);
    }
    var bounds = L.latLngBounds([south, west], [north, east]);
    map.fitBounds(bounds.pad(0.1), {
      maxZoom: 8,
      animate: false,
      paddingTopLeft: [60, 20],
      paddingBottomRight: [this.rightControlsWidth(), 20],
    });
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
  // same fm-details element, read once: a popup waits for its own part, and opening the
  // page reads none (a large layer's details are several times its index).
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
      chunk.promise = readElement(chunk.node).then(function (list) {
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
    var popup = (this.popup = this.popup || L.popup({ className: 'fm-popup', minWidth: 280, maxWidth: 420 }));
    L.setOptions(popup, {
      maxHeight: Math.max(220, Math.round(this.map.getSize().y * 0.62)),
      autoPan: opts.autoPan !== false,
      autoPanPaddingTopLeft: [56, 24],
      autoPanPaddingBottomRight: [this.rightControlsWidth(), 24],
      offset: [0, -VOCAB.statuses[site.status].size],
    });
    popup.fmSite = site.id;
    popup.setLatLng([site.lat, site.lon]).setContent(buildDetail(site, this.meta));
    if (!this.map.hasLayer(popup)) popup.openOn(this.map);
    this.updateRing();
    this.saveHash();
  };

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


  // ---------------------------------------------------------------- side panel
  App.prototype.buildPanel = function () {
    var self = this;
    var panel = document.getElementById('fm-panel');
    var head = el('header', 'fm-head');
    add(head, dataText('h1', null, this.meta.title));
    var facts = el('p', 'fm-facts');
    add(facts, el('span', 'fm-asof-line', this.meta.as_of
      ? 'Status as of ' + this.meta.as_of + ' (later claims ignored).'
      : 'Status from all claims on record' + (this.latestClaim ? ' (latest: ' + this.latestClaim + ').' : '.')));
    if (isText(this.meta.data_version)) {
      add(facts, ' ', dataText('span', 'fm-version', 'Data: ' + this.meta.data_version + '.'));
    }
    add(head, facts);
    var toggle = (this.panelToggle = el('button', 'fm-panel-toggle', 'Sites'));
    toggle.type = 'button';
    if (window.innerWidth <= 700) document.body.classList.add('fm-panel-closed');
    toggle.setAttribute('aria-expanded', document.body.classList.contains('fm-panel-closed') ? 'false' : 'true');
    toggle.addEventListener('click', function () {
      var open = document.body.classList.toggle('fm-panel-closed');
      toggle.setAttribute('aria-expanded', open ? 'false' : 'true');
      self.map.invalidateSize();
    });
    document.getElementById('fm-app').appendChild(toggle);

    var search = (this.searchBox = el('input', 'fm-search'));
    search.type = 'search';
    search.placeholder = 'Search sites by name';
    search.setAttribute('aria-label', 'Search sites by name');
    search.addEventListener('input', function () {
      self.listLimit = LIST_PAGE;
      self.refreshList();
    });
    search.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && self.matches && self.matches.length) {
        self.openSite(self.matches[0], { pan: true });
      }
    });
    this.countLine = el('p', 'fm-count-line');
    this.listNode = el('ul', 'fm-list');
    this.moreButton = el('button', 'fm-more', 'Show more');
    this.moreButton.type = 'button';
    this.moreButton.addEventListener('click', function () {
      self.listLimit += LIST_PAGE;
      self.refreshList();
    });
    this.detailNode = el('div', 'fm-panel-detail');
    this.detailNode.hidden = true;
    this.listLimit = LIST_PAGE;
    add(panel, head, search, this.countLine, this.detailNode, this.listNode, this.moreButton);
    this.refreshList();
  };

  // List order: alphabetical, located first; unlocated sites follow under their own heading.
  var collator = null;
  function listOrder(a, b) {
    collator = collator || new Intl.Collator('en', { sensitivity: 'base' });
    return (a.located === b.located ? 0 : a.located ? -1 : 1) || collator.compare(a.name, b.name) || a.i - b.i;
  }

  // The first `count` of `sites` in list order. The list shows a page at a time, and this
  // takes about one comparison per site where sorting 100,000 names takes ~17 each.
  function firstInOrder(sites, count, compare) {
    if (count * 8 >= sites.length) return sites.slice().sort(compare).slice(0, count);
    var best = [];
    for (var k = 0; k < sites.length; k++) {
      var site = sites[k];
      if (best.length >= count && compare(site, best[best.length - 1]) >= 0) continue;
      var lo = 0;
      var hi = best.length;
      while (lo < hi) {
        var mid = (lo + hi) >> 1;
        if (compare(best[mid], site) < 0) lo = mid + 1;
        else hi = mid;
      }
      best.splice(lo, 0, site);
      if (best.length > count) best.pop();
    }
    return best;
  }

  App.prototype.refreshList = function () {
    if (!this.listNode) return;
    var query = normalise((this.searchBox.value || '').trim());
    var found = query
      ? this.sites.filter(function (s) {
        return searchText(s).indexOf(query) >= 0;
      })
      : this.sites;
    // The page shown (and the first match, which Enter opens).
    var matches = (this.matches = firstInOrder(found, this.listLimit, listOrder));
    this.listNode.textContent = '';
    var shown = matches.length;
    var heading = false;
    for (var k = 0; k < shown; k++) {
      var site = matches[k];
      if (!site.located && !heading) {
        heading = true;
        add(this.listNode, el('li', 'fm-list-heading', 'Not located on the map'));
      }
      add(this.listNode, this.listItem(site));
    }
    this.countLine.textContent = (query ? found.length + ' of ' : '') + this.sites.length + ' sites' +
      (shown < found.length ? ', showing ' + shown : '');
    this.moreButton.hidden = shown >= found.length;
  };

  App.prototype.listItem = function (site) {
    var self = this;
    var li = el('li', 'fm-item' + (this.visible[site.status] ? '' : ' fm-hidden-status'));
    var button = el('button', 'fm-item-button');
    button.type = 'button';
    button.setAttribute('data-site', site.id);
    var text = el('span', 'fm-item-text');
    add(text, dataText('span', 'fm-item-name', site.name));
    add(text, el('span', 'fm-item-sub',
      VOCAB.statuses[site.status].label + (site.located ? '' : ' \u00b7 not located')));
    add(button, glyphImg(site.status, site.conf), text);
    button.addEventListener('click', function () {
      self.openSite(site, { pan: true });
    });
    return add(li, button);
  };

  App.prototype.showPanelDetail = function (site) {
    var self = this;
    var box = this.detailNode;
    box.textContent = '';
    var close = el('button', 'fm-detail-close', '\u00d7 Close');
    close.type = 'button';
    close.addEventListener('click', function () {
      box.hidden = true;
      box.textContent = '';
      self.panelSite = null;
      self.saveHash();
    });
    add(box, close, buildDetail(site, this.meta));
    box.hidden = false;
    this.panelSite = site.id;
    this.map.closePopup();
    box.scrollIntoView({ block: 'start' });
    this.saveHash();
  };

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
      if (self.visible[k] && self.counts[k]) active.push(s.key);
    });
    if (this.countriesLayer && map.hasLayer(this.countriesLayer)) active.push('countries');
    parts.push('layers=' + active.join(','));
    parts.push('base=' + this.currentBase);
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
        if (!self.counts[k]) return;
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
    var view = /^(\d{1,2}(?:\.\d+)?)\/(-?\d{1,2}(?:\.\d+)?)\/(-?\d{1,3}(?:\.\d+)?)$/.exec(params.get('map') || '');
    if (view) this.map.setView([+view[2], +view[3]], +view[1], { animate: false });
    var id = params.get('site');
    if (id && Object.prototype.hasOwnProperty.call(this.byId, id)) {
      this.openSite(this.byId[id], { pan: !view, autoPan: false });
    } else if (!initial) {
      this.map.closePopup();
    }
    this.restoring = false;
    this.lastHash = location.hash;
  };

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

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
