// What the console's pages and the partner view share: building DOM from data. Every string becomes text, so
// nothing the server sends is ever parsed as HTML. Loaded before the page's own script.
(() => {
  /** An element with attributes and children (strings become text: nothing the server sends is parsed as HTML). */
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat())
      if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
    return node;
  };
  const table = (caption, headings, rows, id) =>
    el(
      'table',
      { id },
      el('caption', {}, caption),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          headings.map((h) => el('th', { scope: 'col' }, h)),
        ),
      ),
      el(
        'tbody',
        {},
        rows.length
          ? rows.map((cells) =>
              el(
                'tr',
                {},
                cells.map((c) => el('td', {}, c)),
              ),
            )
          : el('tr', {}, el('td', { colspan: headings.length, class: 'muted' }, 'none')),
      ),
    );
  window.SyndicateDom = { el, table };
})();
