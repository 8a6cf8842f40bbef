/*! hubsearch-widget: search the European mHealth Hub's resource library from any page.
 * <script src="https://HUB/widget.js" defer></script>
 * <hubsearch-widget endpoint="https://HUB" key="pk_..." country="ES"></hubsearch-widget>
 * No dependencies. Document data is only ever written with textContent; the one exception is
 * the server's snippet (already escaped, with <mark> added), which is parsed in an inert
 * template and copied as text and <mark> elements only. */
(() => {
  'use strict';
  if (!window.customElements || customElements.get('hubsearch-widget')) return;

  const script = document.currentScript;
  const ORIGIN = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  const FACETS = ['topic', 'country', 'lang', 'kind', 'year'];
  const FIXED = ['country', 'topic'];
  const SHOWN = 8;
  const DEBOUNCE_MS = 250;

  // UI strings. {n}, {shown}, {total}, {s} are filled in; plural forms follow Intl.PluralRules.
  const STRINGS = {
    en: {
      label: 'Search the mHealth Hub library', placeholder: 'Search reports, guides, evidence…',
      clear: 'Clear', results: 'Results', searching: 'Searching…',
      found: { one: '{n} document found', other: '{n} documents found' },
      shown: 'Showing {shown} of {total}', more: 'More results', empty: 'No documents match your search.',
      error: 'The search failed. Please try again.', key: 'This site’s search key was refused.',
      origin: 'This site may not use this search.', limit: 'Too many searches. Try again in {s} s.',
      filters: 'Filters', clearFilters: 'Clear filters', all: 'Show all ({n})', fewer: 'Show fewer',
      topic: 'Topic', country: 'Country', lang: 'Language', kind: 'Format', year: 'Year',
      pdf: 'PDF', html: 'Web page', text: 'Text',
    },
    fr: {
      label: 'Rechercher dans la bibliothèque du mHealth Hub', placeholder: 'Rechercher des rapports, guides, études…',
      clear: 'Effacer', results: 'Résultats', searching: 'Recherche…',
      found: { one: '{n} document trouvé', other: '{n} documents trouvés' },
      shown: '{shown} sur {total}', more: 'Plus de résultats', empty: 'Aucun document ne correspond à votre recherche.',
      error: 'La recherche a échoué. Veuillez réessayer.', key: 'La clé de recherche de ce site a été refusée.',
      origin: 'Ce site ne peut pas utiliser cette recherche.', limit: 'Trop de recherches. Réessayez dans {s} s.',
      filters: 'Filtres', clearFilters: 'Effacer les filtres', all: 'Tout afficher ({n})', fewer: 'Afficher moins',
      topic: 'Thème', country: 'Pays', lang: 'Langue', kind: 'Format', year: 'Année',
      pdf: 'PDF', html: 'Page web', text: 'Texte',
    },
    de: {
      label: 'Die Bibliothek des mHealth Hub durchsuchen', placeholder: 'Berichte, Leitfäden, Evidenz suchen…',
      clear: 'Löschen', results: 'Ergebnisse', searching: 'Suche läuft…',
      found: { one: '{n} Dokument gefunden', other: '{n} Dokumente gefunden' },
      shown: '{shown} von {total}', more: 'Weitere Ergebnisse', empty: 'Keine Dokumente entsprechen Ihrer Suche.',
      error: 'Die Suche ist fehlgeschlagen. Bitte versuchen Sie es erneut.', key: 'Der Suchschlüssel dieser Website wurde abgelehnt.',
      origin: 'Diese Website darf diese Suche nicht verwenden.', limit: 'Zu viele Suchanfragen. Erneut versuchen in {s} s.',
      filters: 'Filter', clearFilters: 'Filter zurücksetzen', all: 'Alle anzeigen ({n})', fewer: 'Weniger anzeigen',
      topic: 'Thema', country: 'Land', lang: 'Sprache', kind: 'Format', year: 'Jahr',
      pdf: 'PDF', html: 'Webseite', text: 'Text',
    },
    es: {
      label: 'Buscar en la biblioteca del mHealth Hub', placeholder: 'Buscar informes, guías, evidencia…',
      clear: 'Borrar', results: 'Resultados', searching: 'Buscando…',
      found: { one: '{n} documento encontrado', other: '{n} documentos encontrados' },
      shown: '{shown} de {total}', more: 'Más resultados', empty: 'Ningún documento coincide con su búsqueda.',
      error: 'La búsqueda ha fallado. Inténtelo de nuevo.', key: 'Se ha rechazado la clave de búsqueda de este sitio.',
      origin: 'Este sitio no puede usar esta búsqueda.', limit: 'Demasiadas búsquedas. Inténtelo de nuevo en {s} s.',
      filters: 'Filtros', clearFilters: 'Quitar filtros', all: 'Ver todos ({n})', fewer: 'Ver menos',
      topic: 'Tema', country: 'País', lang: 'Idioma', kind: 'Formato', year: 'Año',
      pdf: 'PDF', html: 'Página web', text: 'Texto',
    },
    ru: {
      label: 'Поиск по библиотеке mHealth Hub', placeholder: 'Искать отчёты, руководства, исследования…',
      clear: 'Очистить', results: 'Результаты', searching: 'Поиск…',
      found: { one: 'Найден {n} документ', few: 'Найдено {n} документа', many: 'Найдено {n} документов', other: 'Найдено {n} документа' },
      shown: 'Показано {shown} из {total}', more: 'Ещё результаты', empty: 'Документы по вашему запросу не найдены.',
      error: 'Поиск не удался. Попробуйте ещё раз.', key: 'Ключ поиска этого сайта отклонён.',
      origin: 'Этому сайту не разрешено использовать этот поиск.', limit: 'Слишком много запросов. Повторите через {s} с.',
      filters: 'Фильтры', clearFilters: 'Сбросить фильтры', all: 'Показать все ({n})', fewer: 'Свернуть',
      topic: 'Тема', country: 'Страна', lang: 'Язык', kind: 'Формат', year: 'Год',
      pdf: 'PDF', html: 'Веб-страница', text: 'Текст',
    },
  };

  const CSS = `
:host{display:block;container-type:inline-size;font:var(--hs-font,15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif);
 color:var(--hs-fg,#1c2230);--a:var(--hs-accent,#0b5cad);--bg:var(--hs-bg,#fff);--m:var(--hs-muted,#5a6374);
 --bd:var(--hs-border,#d3d9e3);--r:var(--hs-radius,8px);--mk:var(--hs-mark,#ffe98a);--bb:var(--hs-badge-bg,#edf1f7);
 --fo:var(--hs-focus,#e8710a)}
[hidden]{display:none!important}
*{box-sizing:border-box}
.root{background:var(--bg);color:inherit}
.bar{display:flex;gap:.5rem;align-items:center}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
input[type=search]{flex:1;min-width:0;font:inherit;font-size:1.05em;padding:.6em .8em;border:2px solid var(--bd);border-radius:var(--r);background:var(--bg);color:inherit}
input[type=search]:focus{border-color:var(--a)}
:focus-visible{outline:3px solid var(--fo);outline-offset:2px}
button{font:inherit;cursor:pointer;border:1px solid var(--bd);border-radius:var(--r);background:var(--bg);color:var(--a);padding:.45em .9em}
button:hover{border-color:var(--a)}
.status{margin:.6rem 0;color:var(--m);min-height:1.4em}
.loading{margin-right:.4em}
.body{display:grid;gap:1rem}
@container (min-width:720px){.body{grid-template-columns:15rem 1fr}}
details{border:1px solid var(--bd);border-radius:var(--r);padding:.3rem .7rem}
summary{cursor:pointer;font-weight:600;padding:.3rem 0}
fieldset{border:0;margin:.4rem 0 .6rem;padding:0}
legend{font-weight:600;font-size:.9em;color:var(--m);padding:0;margin-bottom:.2rem}
label.f{display:flex;gap:.45rem;align-items:baseline;padding:.15rem 0;cursor:pointer}
label.f span{flex:1;overflow-wrap:anywhere}
label.f small{color:var(--m)}
.toggle{border:0;padding:.1rem 0;font-size:.9em}
ul{list-style:none;margin:0;padding:0}
li.opt{padding:.8rem .7rem;border-bottom:1px solid var(--bd);border-radius:var(--r);cursor:pointer}
li.opt.active{background:var(--bb);outline:2px solid var(--a);outline-offset:-2px}
a.t{color:var(--a);font-weight:600;font-size:1.05em;text-decoration:none;overflow-wrap:anywhere}
a.t:hover{text-decoration:underline}
p.s{margin:.3rem 0;overflow-wrap:anywhere}
mark{background:var(--mk);color:inherit;padding:0 .1em;border-radius:2px}
.badges{display:flex;flex-wrap:wrap;gap:.3rem;margin-top:.3rem}
.badge{font-size:.78em;background:var(--bb);border-radius:999px;padding:.1em .6em;color:var(--fg,inherit)}
.badge.lang{text-transform:uppercase;font-weight:600}
.badge.topic{background:transparent;border:1px solid var(--bd)}
.more{display:block;margin:1rem auto 0}
.msg{padding:1rem;border:1px dashed var(--bd);border-radius:var(--r);color:var(--m)}
.msg.err{border-style:solid;border-color:#c62828;color:#b71c1c}
.busy .list{opacity:.55;transition:opacity .2s}
.spin{display:inline-block;width:.9em;height:.9em;border:2px solid var(--bd);border-top-color:var(--a);border-radius:50%;animation:r .8s linear infinite;vertical-align:-.1em;margin-right:.4em}
@keyframes r{to{transform:rotate(1turn)}}
@media (prefers-reduced-motion:reduce){.spin{animation:none}}
`;

  let sheet = null;
  const styleFor = (root) => {
    // A constructed stylesheet is not an inline <style>, so pages with a strict
    // Content-Security-Policy (no 'unsafe-inline') can embed the widget.
    try {
      if (!sheet) { sheet = new CSSStyleSheet(); sheet.replaceSync(CSS); }
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      const style = document.createElement('style');
      style.textContent = CSS;
      root.appendChild(style);
    }
  };

  // Builds an element; children are nodes or strings (strings become text, never markup).
  const h = (tag, attrs, ...children) => {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c);
    return el;
  };

  // The server's snippet is escaped text with <mark> around matches. It is parsed in an inert
  // template (nothing loads or runs there) and only text and <mark> are copied out, so even a
  // faulty snippet cannot inject anything.
  const snippetNodes = (html) => {
    const tpl = document.createElement('template');
    tpl.innerHTML = String(html || '');
    const out = [];
    const walk = (node, marked) => {
      for (const child of node.childNodes) {
        if (child.nodeType === Node.TEXT_NODE) out.push(marked ? h('mark', null, child.data) : document.createTextNode(child.data));
        else if (child.nodeType === Node.ELEMENT_NODE) walk(child, marked || child.localName === 'mark');
      }
    };
    walk(tpl.content, false);
    return out;
  };

  // Only web links are followed: a javascript: or data: URL in a document stays inert.
  const safeUrl = (url) => {
    try {
      const u = new URL(url, ORIGIN);
      return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
    } catch (e) { return null; }
  };

  const words = (v) => (v || '').split(/[\s,]+/).filter(Boolean);
  let seq = 0;

  class HubsearchWidget extends HTMLElement {
    static get observedAttributes() { return ['endpoint', 'key', 'lang', 'country', 'topic', 'query', 'per-page', 'cross-lang']; }

    constructor() {
      super();
      this.attachShadow({ mode: 'open' });
      this.uid = 'hs' + (++seq);
      this.selected = Object.fromEntries(FACETS.map((f) => [f, new Set()]));
      this.expanded = new Set();
      this.labels = Object.fromEntries(FACETS.map((f) => [f, new Map()]));
      this.hits = [];
      this.total = 0;
      this.facets = null;
      this.page = 1;
      this.active = -1;
      this.ctrl = null;
      this.timer = 0;
      this.built = false;
    }

    connectedCallback() {
      if (!this.built) this.build();
      this.run(true);
    }

    disconnectedCallback() {
      clearTimeout(this.timer);
      if (this.ctrl) this.ctrl.abort();
    }

    attributeChangedCallback(name, old, value) {
      if (!this.built || old === value) return;
      if (name === 'lang') this.localise();
      if (name === 'query') this.input.value = value || '';
      if (FIXED.includes(name)) this.selected[name].clear();
      this.run(true);
    }

    get uiLang() {
      const tagged = this.closest('[lang]');
      const lang = (this.getAttribute('lang') || (tagged && tagged.getAttribute('lang')) || document.documentElement.lang || 'en').toLowerCase();
      const base = lang.split('-')[0];
      return STRINGS[base] ? base : 'en';
    }

    t(key, vars) {
      const table = STRINGS[this.uiLang];
      let s = table[key] !== undefined ? table[key] : STRINGS.en[key];
      if (typeof s === 'object') s = s[new Intl.PluralRules(this.uiLang).select(vars.n)] || s.other;
      return String(s).replace(/\{(\w+)\}/g, (_, k) => (vars && vars[k] !== undefined ? vars[k] : ''));
    }

    get endpoint() {
      return (this.getAttribute('endpoint') || ORIGIN).replace(/\/+$/, '');
    }

    build() {
      this.built = true;
      const root = this.shadowRoot;
      styleFor(root);
      const id = (s) => `${this.uid}-${s}`;
      this.input = h('input', {
        type: 'search', id: id('q'), role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false',
        'aria-controls': id('list'), autocomplete: 'off', spellcheck: 'false', enterkeyhint: 'search', part: 'input',
        oninput: () => this.schedule(), onkeydown: (e) => this.onKey(e),
      });
      this.input.value = this.getAttribute('query') || '';
      this.labelEl = h('label', { for: id('q'), class: 'sr' });
      this.clearBtn = h('button', { type: 'button', part: 'button', onclick: () => { this.input.value = ''; this.input.focus(); this.run(true); } });
      // The live region only ever says how many documents were found (or what went wrong);
      // the loading indicator beside it is for the eyes, so typing does not make it chatter.
      this.status = h('span', { role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
      this.busyEl = h('span', { class: 'loading', 'aria-hidden': 'true', hidden: true }, h('span', { class: 'spin' }), h('span'));
      this.summary = h('summary');
      this.facetBox = h('div');
      this.details = h('details', { class: 'filters', part: 'filters' }, this.summary, this.facetBox);
      // Filters start folded on a phone-sized widget, open otherwise.
      this.details.open = !(this.getBoundingClientRect().width && this.getBoundingClientRect().width < 600) && !matchMedia('(max-width: 600px)').matches;
      this.list = h('ul', { id: id('list'), class: 'list', role: 'listbox', part: 'results' });
      this.msg = h('div', { class: 'msg', hidden: true });
      this.moreBtn = h('button', { type: 'button', class: 'more', part: 'button', hidden: true, onclick: () => this.more() });
      this.rootEl = h('div', { class: 'root', part: 'root' },
        h('div', { class: 'bar' }, this.labelEl, this.input, this.clearBtn),
        h('div', { class: 'status' }, this.busyEl, this.status),
        h('div', { class: 'body' }, this.details, h('div', null, this.list, this.msg, this.moreBtn)));
      root.append(this.rootEl);
      this.localise();
    }

    localise() {
      this.labelEl.textContent = this.t('label');
      this.input.placeholder = this.t('placeholder');
      this.input.setAttribute('aria-label', this.t('label'));
      this.clearBtn.textContent = this.t('clear');
      this.list.setAttribute('aria-label', this.t('results'));
      this.moreBtn.textContent = this.t('more');
      this.renderFacets();
    }

    schedule() {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.run(true), DEBOUNCE_MS);
    }

    more() {
      this.page += 1;
      this.run(false);
    }

    params() {
      const p = new URLSearchParams();
      const q = this.input.value.trim();
      if (q) p.set('q', q);
      const per = parseInt(this.getAttribute('per-page'), 10);
      if (per > 0) p.set('per_page', String(Math.min(per, 100)));
      if (this.page > 1) p.set('page', String(this.page));
      p.set('ui_lang', this.uiLang);
      // Cross-language search is on unless the page says cross-lang="false".
      p.set('cross_lang', this.getAttribute('cross-lang') === 'false' ? 'false' : 'true');
      const key = this.getAttribute('key');
      if (key) p.set('key', key);
      for (const f of FACETS) {
        const fixed = FIXED.includes(f) ? words(this.getAttribute(f)) : [];
        const chosen = [...this.selected[f]];
        for (const v of chosen.length ? chosen : fixed) p.append(f, v);
      }
      return p;
    }

    async run(reset) {
      clearTimeout(this.timer);
      if (reset) this.page = 1;
      // A newer search makes the one in flight stale: cancel it.
      if (this.ctrl) this.ctrl.abort();
      const ctrl = new AbortController();
      this.ctrl = ctrl;
      this.setBusy(true);
      let data;
      try {
        const res = await fetch(`${this.endpoint}/api/v1/search?${this.params()}`, { signal: ctrl.signal, credentials: 'omit', headers: { Accept: 'application/json' } });
        if (!res.ok) {
          let wait = res.headers.get('Retry-After');
          throw Object.assign(new Error('http'), { status: res.status, wait });
        }
        data = await res.json();
      } catch (err) {
        if (ctrl.signal.aborted) return;
        this.ctrl = null;
        this.setBusy(false);
        if (!reset) this.page -= 1;
        this.showError(err.status, err.wait);
        return;
      }
      if (ctrl.signal.aborted) return;
      this.ctrl = null;
      this.setBusy(false);
      this.show(data, reset);
    }

    setBusy(busy) {
      this.rootEl.classList.toggle('busy', busy);
      this.list.setAttribute('aria-busy', String(busy));
      this.busyEl.lastChild.textContent = this.t('searching');
      this.busyEl.hidden = !busy;
      // Visually replaced by the indicator, but still in the accessibility tree.
      this.status.classList.toggle('sr', busy);
    }

    showError(status, wait) {
      const text = status === 401 ? this.t('key')
        : status === 403 ? this.t('origin')
        : status === 429 ? this.t('limit', { s: parseInt(wait, 10) || 60 })
        : this.t('error');
      this.hits = [];
      this.total = 0;
      this.renderHits();
      this.msg.className = 'msg err';
      this.msg.setAttribute('role', 'alert');
      this.msg.textContent = text;
      this.msg.hidden = false;
      this.moreBtn.hidden = true;
      this.status.textContent = '';
    }

    show(data, reset) {
      this.total = data.total || 0;
      const hits = Array.isArray(data.hits) ? data.hits : [];
      this.hits = reset ? hits : this.hits.concat(hits);
      if (data.facets) {
        this.facets = data.facets;
        for (const f of FACETS) for (const v of data.facets[f] || []) this.labels[f].set(String(v.value), String(v.label));
      }
      if (reset) this.active = -1;
      this.renderHits();
      this.renderFacets();
      this.msg.removeAttribute('role');
      this.msg.className = 'msg';
      this.msg.hidden = this.hits.length > 0;
      this.msg.replaceChildren(this.t('empty'));
      if (!this.hits.length && this.anySelected()) {
        this.msg.append(' ', h('button', { type: 'button', onclick: () => this.clearFilters() }, this.t('clearFilters')));
      }
      const hasMore = this.hits.length < this.total && hits.length > 0;
      const hadFocus = this.shadowRoot.activeElement === this.moreBtn;
      this.moreBtn.hidden = !hasMore;
      if (hadFocus && !hasMore) this.input.focus();
      const found = this.t('found', { n: this.total });
      this.status.textContent = this.hits.length && this.hits.length < this.total
        ? `${found}. ${this.t('shown', { shown: this.hits.length, total: this.total })}`
        : found;
    }

    anySelected() {
      return FACETS.some((f) => this.selected[f].size);
    }

    clearFilters() {
      for (const f of FACETS) this.selected[f].clear();
      this.input.focus();
      this.run(true);
    }

    label(facet, value) {
      const known = this.labels[facet].get(String(value));
      if (known) return known;
      if (facet === 'kind' && ['pdf', 'html', 'text'].includes(value)) return this.t(value);
      try {
        if (facet === 'country' || facet === 'lang') {
          const names = new Intl.DisplayNames([this.uiLang], { type: facet === 'country' ? 'region' : 'language' });
          return names.of(facet === 'country' ? value.toUpperCase() : value) || value;
        }
      } catch (e) { /* an unknown code is shown as it is */ }
      return String(value);
    }

    renderHits() {
      const id = (i) => `${this.uid}-opt-${i}`;
      const items = this.hits.map((hit, i) => {
        const url = safeUrl(hit.url) || safeUrl(`${this.endpoint}/api/v1/documents/${encodeURIComponent(String(hit.id)).replace(/%2F/g, '/')}`);
        const badges = h('div', { class: 'badges' },
          h('span', { class: 'badge lang', title: this.label('lang', hit.lang) }, String(hit.lang || '')),
          (hit.countries || []).map((c) => h('span', { class: 'badge country' }, this.label('country', c))),
          // A topic's parents are implied by the topic: show the most specific ones only.
          (hit.topics || []).filter((t, _, all) => !all.some((o) => o.startsWith(`${t}/`)))
            .map((t) => h('span', { class: 'badge topic' }, this.label('topic', t))),
          h('span', { class: 'badge kind' }, this.label('kind', hit.kind) + (hit.published ? ` · ${String(hit.published).slice(0, 4)}` : '')));
        return h('li', { id: id(i), class: 'opt', role: 'option', 'aria-selected': 'false', onclick: (e) => { if (e.target.localName !== 'a') this.activate(i); } },
          h('a', { class: 't', href: url, tabindex: '-1', part: 'title' }, String(hit.title || hit.id || '')),
          h('p', { class: 's' }, snippetNodes(hit.snippet)),
          badges);
      });
      this.list.replaceChildren(...items);
      this.input.setAttribute('aria-expanded', String(this.hits.length > 0));
      this.highlight();
    }

    activate(i) {
      this.active = i;
      this.highlight();
    }

    highlight() {
      const options = this.list.children;
      for (let i = 0; i < options.length; i++) {
        const on = i === this.active;
        options[i].classList.toggle('active', on);
        options[i].setAttribute('aria-selected', String(on));
      }
      if (this.active >= 0 && options[this.active]) {
        this.input.setAttribute('aria-activedescendant', options[this.active].id);
        options[this.active].scrollIntoView({ block: 'nearest' });
      } else {
        this.input.removeAttribute('aria-activedescendant');
      }
    }

    onKey(e) {
      const n = this.hits.length;
      if (e.key === 'ArrowDown' && n) {
        e.preventDefault();
        this.activate(Math.min(this.active + 1, n - 1));
      } else if (e.key === 'ArrowUp' && n) {
        e.preventDefault();
        this.activate(Math.max(this.active - 1, 0));
      } else if (e.key === 'Enter') {
        e.preventDefault();
        const option = this.active >= 0 && this.list.children[this.active];
        if (option) option.querySelector('a').click();
        else this.run(true);
      } else if (e.key === 'Escape') {
        if (this.active >= 0) this.activate(-1);
        else if (this.input.value) { this.input.value = ''; this.run(true); }
      }
    }

    renderFacets() {
      if (!this.built) return;
      const focused = this.shadowRoot.activeElement;
      const focusKey = focused && focused.dataset ? focused.dataset.key : null;
      const count = FACETS.reduce((a, f) => a + this.selected[f].size, 0);
      this.summary.textContent = count ? `${this.t('filters')} (${count})` : this.t('filters');
      const groups = [];
      for (const f of this.facets ? FACETS : []) {
        const fixed = FIXED.includes(f) ? words(this.getAttribute(f)) : [];
        if (fixed.length === 1) continue;
        let values = (this.facets[f] || []).filter((v) => !fixed.length || fixed.includes(String(v.value)));
        for (const v of this.selected[f]) {
          if (!values.some((x) => String(x.value) === v)) values.push({ value: v, label: this.label(f, v), count: 0 });
        }
        if (!values.length) continue;
        const all = values.length;
        if (!this.expanded.has(f)) values = values.filter((v, i) => i < SHOWN || this.selected[f].has(String(v.value)));
        const boxes = values.map((v) => {
          const value = String(v.value);
          const box = h('input', {
            type: 'checkbox', value, 'data-key': `${f}=${value}`, checked: this.selected[f].has(value),
            onchange: (e) => {
              if (e.target.checked) this.selected[f].add(value); else this.selected[f].delete(value);
              this.run(true);
            },
          });
          return h('label', { class: 'f' }, box, h('span', null, String(v.label || this.label(f, value))), h('small', null, String(v.count)));
        });
        const toggle = all > SHOWN
          ? h('button', { type: 'button', class: 'toggle', 'data-key': `${f}:toggle`, 'aria-expanded': String(this.expanded.has(f)),
            onclick: () => { if (this.expanded.has(f)) this.expanded.delete(f); else this.expanded.add(f); this.renderFacets(); } },
            this.expanded.has(f) ? this.t('fewer') : this.t('all', { n: all }))
          : null;
        groups.push(h('fieldset', { 'data-facet': f }, h('legend', null, this.t(f)), boxes, toggle));
      }
      if (this.anySelected()) groups.push(h('button', { type: 'button', class: 'toggle', 'data-key': 'clear', onclick: () => this.clearFilters() }, this.t('clearFilters')));
      this.facetBox.replaceChildren(...groups);
      this.details.hidden = !groups.length;
      // Re-rendering replaces the checkboxes: give focus back to the one the user was on.
      if (focusKey) {
        const again = [...this.facetBox.querySelectorAll('[data-key]')].find((el) => el.dataset.key === focusKey);
        if (again) again.focus();
      }
    }
  }

  customElements.define('hubsearch-widget', HubsearchWidget);
})();
