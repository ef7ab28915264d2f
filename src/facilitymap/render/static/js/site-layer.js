// site-layer.js: The site layer (SiteLayer): one canvas that draws every site in slices, hit-tests
// clicks and hovers, and keeps the previous image while a new view is drawn.

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
  var CHANGED_RING = '#000000'; // around the glyph of a site changed since --since
  var SLICE_MIN_MS = 2;
  // A draw starts small: its first slices are the translucent precision areas, the costliest
  // to rasterise, and a first slice of 10 ms made the longest frame of a zoom (35-60 ms).
  var SLICE_FIRST_MS = 3;
  var FRAME_LATE_MS = 22; // a frame later than this after the previous one shrinks the slice
  var SLICE_MIN_SITES = 5000; // located sites; fewer are drawn at once
  // How far an area's paint reaches past its outline or circle (the widest stroke, a
  // line's 4 px, half of it out, and antialiasing), in CSS pixels.
  var AREA_REACH = 4;
  var SiteLayer = L.Renderer.extend({
    options: { padding: 0.3 },

    initialize: function (state, options) {
      L.Renderer.prototype.initialize.call(this, options);
      this._state = state;
      // Tests lower these two (a sliceMs of 0 draws the least per frame: 16 areas or 128
      // glyphs).
      this.sliceMin = SLICE_MIN_SITES;
      this.sliceMs = SLICE_MS;
      // Tests turn this off to compare: every glyph in view stamped, covered or not.
      this.occlusion = true;
      this.stamped = 0; // glyphs the last draw stamped (the rest were covered)
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
      // The glyphs in view, top first, and whether each shows (see _cullGlyphs); one draw
      // at a time uses these (a new one drops the last).
      var cull = this._cull;
      if (!cull || cull.ids.length < n) {
        cull = this._cull = {
          ids: new Int32Array(n),
          x: new Float64Array(n),
          y: new Float64Array(n),
          shows: new Uint8Array(n),
        };
      }
      var gw = Math.ceil(width / OCCLUSION_CELL);
      var gh = Math.ceil(height / OCCLUSION_CELL);
      if (!this._grid || this._grid.length < gw * gh) this._grid = new Uint8Array(gw * gh);
      else this._grid.fill(0, 0, gw * gh);
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
        phase: 0, // 0: which glyphs show, 1: areas, 2: glyphs, 3: done
        cull: cull,
        grid: this._grid, // cells made opaque by the glyphs above (1), in device pixels
        gw: gw,
        gh: gh,
        c: this._state.glyphOrder.length - 1, // next glyph to cull (index into glyphOrder)
        m: 0, // glyphs in view so far (in cull)
        a: 0, // next area (index into areaOrder)
        batch: [], // circles in the current path: x, y, r
        batchStatus: -1,
        batchSize: 0,
        k: -1, // next glyph to draw (index into cull, counting down)
        key: -1, // the glyph sprite in hand
        sprite: null,
        stamped: 0,
      };
    },

    // Draws on until `deadline` (performance.now()); true when every site is drawn.
    _run: function (job, deadline) {
      var ctx = job.ctx;
      var view = job.view;
      if (job.phase === 0 && this._cullGlyphs(view, job, deadline)) job.phase = 1;
      if (job.phase === 1 && this._drawAreas(ctx, view, job, deadline)) job.phase = 2;
      if (job.phase === 2 && this._drawGlyphs(ctx, view, job, deadline)) job.phase = 3;
      return job.phase === 3;
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
      this.stamped = job.stamped;
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
      var batchSize = job.batchSize; // circles in the batch, covered ones too
      // An area wholly under opaque glyphs changes no pixel (see _cullGlyphs); a batch of
      // circles without it may round a pixel elsewhere one level differently (Skia).
      var occlude = this.occlusion;
      ctx.setTransform(view.ratio, 0, 0, view.ratio, -view.left * view.ratio, -view.top * view.ratio);
      for (var a = job.a; a < areas.length; a++) {
        if ((a & 15) === 0 && a !== job.a && performance.now() >= deadline) {
          job.a = a;
          job.batch = batch;
          job.batchStatus = batchStatus;
          job.batchSize = batchSize;
          return false;
        }
        var site = sites[areas[a]];
        if (!visible[site.status] || !site.present) continue;
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
          if (occlude && this._covered(job, x0 - AREA_REACH, y0 - AREA_REACH, x1 + AREA_REACH, y1 + AREA_REACH)) continue;
          this._drawArea(ctx, site, style, scale, origin);
        } else if (site.radius) {
          var x = site.mx * scale - origin.x;
          var y = site.my * scale - origin.y;
          var r = (site.radius / (40075016.686 * Math.cos((site.lat * Math.PI) / 180))) * scale;
          if (r < style.size + 2) continue;
          if (x + r < view.minX || x - r > view.maxX || y + r < view.minY || y - r > view.maxY) continue;
          // Batches are cut where they would be if nothing were covered: circles of one
          // batch overlap without darkening, so a cut elsewhere would change pixels.
          if (site.status !== batchStatus || batchSize >= CIRCLE_BATCH) {
            this._paintCircleBatch(ctx, view, batchStatus, batch);
            batchStatus = site.status;
            batch = [];
            batchSize = 0;
          }
          batchSize++;
          var reach = r + AREA_REACH;
          if (occlude && this._covered(job, x - reach, y - reach, x + reach, y + reach)) continue;
          batch.push(x, y, r);
        }
      }
      this._paintCircleBatch(ctx, view, batchStatus, batch);
      job.a = areas.length;
      job.batch = [];
      job.batchSize = 0;
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

    // Which glyphs in view show, top first: one the glyphs above cover with opaque pixels
    // wherever it has any would change no pixel, and is not stamped (at 100,000 sites on
    // one screen, most are: stamping is most of a draw without a GPU). The image is the
    // same, pixel for pixel. True when done, false when `deadline` came first.
    _cullGlyphs: function (view, job, deadline) {
      var state = this._state;
      var sites = state.sites;
      var visible = state.visible;
      var order = state.glyphOrder;
      var scale = view.scale;
      var ox = view.origin.x;
      var oy = view.origin.y;
      var ratio = view.ratio;
      var dx = -view.left * ratio;
      var dy = -view.top * ratio;
      var cull = job.cull;
      var ids = cull.ids;
      var cx = cull.x;
      var cy = cull.y;
      var shows = cull.shows;
      var grid = job.grid;
      var gw = job.gw;
      var gh = job.gh;
      var C = OCCLUSION_CELL;
      var m = job.m;
      var key = -1;
      var cells = null;
      var half = 0;
      for (var g = job.c; g >= 0; g--) {
        if ((g & 127) === 0 && g !== job.c && performance.now() >= deadline) {
          job.c = g;
          job.m = m;
          return false;
        }
        var s = sites[order[g]];
        if (!visible[s.status] || !s.present) continue;
        var gx = s.mx * scale - ox;
        var gy = s.my * scale - oy;
        if (gx < view.minX || gx > view.maxX || gy < view.minY || gy > view.maxY) continue;
        if (s.status * 16 + s.conf !== key) {
          key = s.status * 16 + s.conf;
          var sprite = glyphSprite(s.status, s.conf, ratio);
          cells = spriteCells(sprite);
          half = sprite.half;
        }
        // The sprite's top-left device pixel, its cell, and its place within the cell.
        var px = Math.round(gx * ratio + dx) - half;
        var py = Math.round(gy * ratio + dy) - half;
        var col = Math.floor(px / C);
        var row = Math.floor(py / C);
        var mask = cells[(py - row * C) * C + (px - col * C)];
        // A changed site's ring reaches past its sprite: always stamped.
        var show = s.changes.length > 0 || !this.occlusion;
        var j, x, y;
        if (!show) {
          var touch = mask.touch;
          for (j = 0; j < touch.length; j += 2) {
            x = col + touch[j];
            y = row + touch[j + 1];
            // Off the canvas nothing shows.
            if (x >= 0 && y >= 0 && x < gw && y < gh && !grid[y * gw + x]) {
              show = true;
              break;
            }
          }
        }
        if (show) {
          var cover = mask.cover;
          for (j = 0; j < cover.length; j += 2) {
            x = col + cover[j];
            y = row + cover[j + 1];
            if (x >= 0 && y >= 0 && x < gw && y < gh) grid[y * gw + x] = 1;
          }
        }
        ids[m] = s.i;
        cx[m] = gx;
        cy[m] = gy;
        shows[m] = show ? 1 : 0;
        m++;
      }
      job.c = -1;
      job.m = m;
      job.k = m - 1;
      return true;
    },

    // Glyphs in view, in drawing order (most contested last, on top), those that show
    // stamped; remembers where each is, for hit-testing. True when all are drawn, false
    // when `deadline` came first.
    _drawGlyphs: function (ctx, view, job, deadline) {
      var sites = this._state.sites;
      var ratio = view.ratio;
      var hits = job.hits;
      var ids = hits.ids;
      var hx = hits.x;
      var hy = hits.y;
      var cull = job.cull;
      // Device pixels: the sprites are stamped without a transform.
      var dx = -view.left * ratio;
      var dy = -view.top * ratio;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      var n = hits.count;
      var key = job.key;
      var sprite = job.sprite;
      for (var k = job.k; k >= 0; k--) {
        if ((k & 127) === 0 && k !== job.k && performance.now() >= deadline) {
          job.k = k;
          job.key = key;
          job.sprite = sprite;
          hits.count = n;
          ctx.setTransform(ratio, 0, 0, ratio, dx, dy);
          return false;
        }
        var i = cull.ids[k];
        var gx = cull.x[k];
        var gy = cull.y[k];
        ids[n] = i;
        hx[n] = gx;
        hy[n] = gy;
        n++;
        if (!cull.shows[k]) continue;
        var s = sites[i];
        if (s.status * 16 + s.conf !== key) {
          key = s.status * 16 + s.conf;
          sprite = glyphSprite(s.status, s.conf, ratio);
        }
        ctx.drawImage(
          sprite.image,
          Math.round(gx * ratio + dx) - sprite.half,
          Math.round(gy * ratio + dy) - sprite.half
        );
        job.stamped++;
        if (s.changes.length) {
          // Changed since the version the map compares with (--since): a ring, not a colour.
          ctx.beginPath();
          ctx.arc(Math.round(gx * ratio + dx), Math.round(gy * ratio + dy), sprite.half + 2 * ratio, 0, 2 * Math.PI);
          ctx.lineWidth = 2 * ratio;
          ctx.strokeStyle = CHANGED_RING;
          ctx.stroke();
        }
      }
      ctx.setTransform(ratio, 0, 0, ratio, dx, dy);
      job.k = -1;
      hits.count = n;
      return true;
    },

    // Whether the glyphs make every cell of a box (layer pixels) opaque.
    _covered: function (job, x0, y0, x1, y1) {
      var view = job.view;
      var C = OCCLUSION_CELL;
      var c0 = Math.max(0, Math.floor(((x0 - view.left) * view.ratio) / C));
      var r0 = Math.max(0, Math.floor(((y0 - view.top) * view.ratio) / C));
      var c1 = Math.min(job.gw - 1, Math.floor(((x1 - view.left) * view.ratio) / C));
      var r1 = Math.min(job.gh - 1, Math.floor(((y1 - view.top) * view.ratio) / C));
      var grid = job.grid;
      for (var row = r0; row <= r1; row++) {
        for (var col = c0; col <= c1; col++) if (!grid[row * job.gw + col]) return false;
      }
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
      var all = this.shownAllAt(point, 1);
      return all.length ? all[0] : -1;
    },

    // Every site whose glyph is under a layer point, topmost first (at most `limit`).
    shownAllAt: function (point, limit) {
      var found = [];
      var shown = this._shown;
      if (!shown || !this._map) return found;
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
        if (dx * dx + dy * dy <= reach * reach) {
          found.push(site.i);
          if (found.length === limit) break;
        }
      }
      return found;
    },

    drawnIds: function () {
      this.flush();
      var ids = [];
      var hits = this._hits;
      for (var k = 0; k < hits.count; k++) ids.push(this._state.sites[hits.ids[k]].id);
      return ids;
    },
  });

