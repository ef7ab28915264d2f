// details.js: A site's details (popup and side panel): claims, deciding claims, sources, location
// precision, notes.

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

  // `asOf`: the date the status is shown at (the timeline's, or the map's), or null.
  function buildDetail(site, meta, asOf) {
    var p = siteProperties(site);
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
    add(title, el('span', 'fm-asof', asOf ? ' as of ' + asOf : ' (all claims on record)'));
    add(status, title, el('p', 'fm-status-desc', style.description));
    // Who holds which position is known for the map's own date; at another timeline date
    // only the combined position is.
    var words = site.officialWords && (!site.official || asOf === (meta.as_of || null));
    add(status, el('p', 'fm-axes',
      'Official position: ' + label('official', site.official || p.official_status) +
      (words ? ' (' + site.officialWords + ')' : '') + '. Evidence: ' +
      label('evidence', site.evidence || p.evidence) + '.'));
    if (site.deciding.length) {
      add(status, el('p', 'fm-decided',
        'Decided by the claim' + (site.deciding.length > 1 ? 's' : '') + ' marked \u2605 below.'));
    }
    add(root, status);
    if (site.changes.length && isText(meta.since)) {
      var changes = el('section', 'fm-changes');
      add(changes, el('h3', null, 'Changes since ' + meta.since));
      var changeList = el('ul', null);
      site.changes.forEach(function (line) {
        add(changeList, dataText('li', null, line));
      });
      add(root, add(changes, changeList));
    }

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
    // In the order the page is given them (by date, as facilitymap.maps orders them); the
    // timeline shows those known at its date, the first `site.known`.
    var given = asArray(p.claims);
    var known = site.known >= 0 ? given.slice(0, site.known) : given;
    var later = site.later + given.length - known.length;
    var claims = known.filter(function (c) {
      return c && typeof c === 'object';
    });
    add(root, el('h3', null, 'Claims (' + claims.length + ')'));
    var list = el('ol', 'fm-timeline');
    claims.forEach(function (c) {
      add(list, claimItem(c, site.deciding.indexOf(c.id) >= 0, sourceMap));
    });
    if (!claims.length) add(list, el('li', 'fm-empty', 'No claims on record.'));
    add(root, list);
    if (later) {
      add(root, el('p', 'fm-later',
        later + ' later claim' + (later > 1 ? 's are' : ' is') +
        ' not shown: this map shows what was on record on ' + asOf + '.'));
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

