// list.js: The side panel: search, the site list (paged, in list order) and details shown there.

  // ---------------------------------------------------------------- side panel
  App.prototype.buildPanel = function () {
    var self = this;
    var panel = document.getElementById('fm-panel');
    var head = el('header', 'fm-head');
    add(head, dataText('h1', null, this.meta.title));
    var facts = el('p', 'fm-facts');
    this.asOfLine = el('span', 'fm-asof-line', this.asOfWords());
    add(facts, this.asOfLine);
    if (isText(this.meta.since)) {
      var changed = this.sites.filter(function (s) {
        return s.changes.length;
      }).length;
      var removed = asArray(this.meta.since_removed).filter(isText);
      add(facts, ' ', dataText('span', 'fm-since-line', 'Ringed and badged: ' + changed +
        ' site' + (changed === 1 ? '' : 's') + ' new or changed since ' + this.meta.since + '.' +
        (removed.length ? ' Removed since then: ' + removed.join(', ') + '.' : '')));
    }
    if (isText(this.meta.data_version)) {
      add(facts, ' ', dataText('span', 'fm-version', 'Data: ' + this.meta.data_version + '.'));
    }
    add(head, facts);
    var filters = filterWords(this.meta.filters);
    if (filters) add(head, el('p', 'fm-filters-line', 'Only sites with ' + filters + '.'));
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
    // On a phone the open list covers the map and its Sites button: it has its own way back.
    var back = el('button', 'fm-panel-close', '\u00d7 Map');
    back.type = 'button';
    back.setAttribute('aria-label', 'Close the list and show the map');
    back.addEventListener('click', function () {
      if (!document.body.classList.contains('fm-panel-closed')) toggle.click();
      toggle.focus();
    });
    panel.appendChild(back);

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

  // The map's filters in words ("status Attested, officially denied or ...; country TJ"), or ''.
  function filterWords(filters) {
    filters = filters && typeof filters === 'object' ? filters : {};
    var words = [];
    var statuses = asArray(filters.statuses).map(function (key) {
      for (var k = 0; k < VOCAB.statuses.length; k++) if (VOCAB.statuses[k].key === key) return VOCAB.statuses[k].label;
      return String(key);
    });
    if (statuses.length) words.push('status ' + statuses.join(' or '));
    var kinds = asArray(filters.kinds).map(function (k) {
      return label('kind', k);
    });
    if (kinds.length) words.push('kind ' + kinds.join(' or '));
    if (asArray(filters.countries).length) words.push('country ' + asArray(filters.countries).join(' or '));
    if (isText(filters.min_confidence)) words.push('confidence ' + filters.min_confidence + ' or higher');
    return words.join('; ');
  }

  // What an empty map says: which filters and which date left nothing to show.
  function emptyMapWords(meta, asOf) {
    var why = [];
    var filters = filterWords(meta.filters);
    if (filters) why.push(filters);
    if (asOf) why.push('a claim made by ' + asOf);
    return why.length
      ? 'No site on this map: none has ' + why.join(' and ') + '.'
      : 'No site on this map: the layer has none.';
  }

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
    var present = this.presentSites();
    var found = query
      ? present.filter(function (s) {
        return searchText(s).indexOf(query) >= 0;
      })
      : present;
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
    this.countLine.textContent = !present.length
      ? emptyMapWords(this.meta, this.asOf())
      : (query ? found.length + ' of ' : '') + present.length + ' sites' +
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
    // Who denies, when someone does (official_words lists the denial first); known for the
    // map's own date, not for another timeline date.
    var ownDate = !this.date || this.date === this.meta.as_of;
    var denied = ownDate && site.officialWords.indexOf('denied by ') === 0 ? site.officialWords.split('; ')[0] : '';
    add(text, el('span', 'fm-item-sub', VOCAB.statuses[site.status].label +
      (denied ? ' \u00b7 ' + denied : '') + (site.located ? '' : ' \u00b7 not located')));
    if (site.changes.length) {
      add(text, el('span', 'fm-badge', site.changes[0].indexOf('new since ') === 0 ? 'new' : 'changed'));
    }
    add(button, glyphImg(site.status, site.conf), text);
    button.addEventListener('click', function () {
      self.openSite(site, { pan: true });
    });
    return add(li, button);
  };

  // `refresh`: the same site at another date (the panel stays where it is).
  App.prototype.showPanelDetail = function (site, refresh) {
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
    add(box, close, buildDetail(site, this.meta, this.asOf()));
    box.hidden = false;
    this.panelSite = site.id;
    if (refresh) return;
    this.map.closePopup();
    box.scrollIntoView({ block: 'start' });
    this.saveHash();
  };

