// glyphs.js: Drawing one site's glyph and precision circle: path shapes, paint, and the sprite cache
// that stamps them; glyph images for the legend, list and layer control.

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

  // Where a sprite stamped at a device pixel covers the canvas, in cells of OCCLUSION_CELL
  // device pixels: for each of the sprite's positions within a cell (x and y modulo the cell),
  // the cells it touches and those it makes fully opaque, as flat [dx, dy, ...] offsets from
  // the cell of its top-left pixel. Read once per sprite, from its pixels.
  var OCCLUSION_CELL = 4;

  function spriteCells(sprite) {
    if (sprite.cells) return sprite.cells;
    var size = sprite.image.width;
    var alpha = sprite.image.getContext('2d').getImageData(0, 0, size, size).data;
    var c = OCCLUSION_CELL;
    var span = Math.ceil((size + c - 1) / c); // cells a row of the sprite can touch
    var cells = [];
    for (var oy = 0; oy < c; oy++) {
      for (var ox = 0; ox < c; ox++) {
        var touched = new Uint8Array(span * span);
        var opaque = new Uint16Array(span * span); // opaque pixels in each cell
        for (var y = 0; y < size; y++) {
          for (var x = 0; x < size; x++) {
            var a = alpha[(y * size + x) * 4 + 3];
            if (!a) continue;
            var cell = Math.floor((oy + y) / c) * span + Math.floor((ox + x) / c);
            touched[cell] = 1;
            if (a === 255) opaque[cell]++;
          }
        }
        var touch = [];
        var cover = [];
        for (var k = 0; k < span * span; k++) {
          if (!touched[k]) continue;
          touch.push(k % span, Math.floor(k / span));
          if (opaque[k] === c * c) cover.push(k % span, Math.floor(k / span));
        }
        cells.push({ touch: new Int16Array(touch), cover: new Int16Array(cover) });
      }
    }
    sprite.cells = cells;
    return cells;
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

