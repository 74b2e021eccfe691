// The table of contents of a briefing marks the section being read (aria-current) as the reader scrolls.
// Without JavaScript the contents are plain links; nothing here is needed to use them.
(() => {
  const links = [...document.querySelectorAll('.toc a[href^="#"]')];
  const headings = [...new Set(links.map(a => a.getAttribute('href').slice(1)))]
    .map(id => document.getElementById(id)).filter(Boolean);
  if (!headings.length) return;
  const READ_LINE = 0.25; // a section is being read once its heading is above the top quarter of the window

  function mark() {
    const line = innerHeight * READ_LINE;
    let current = null;
    for (const heading of headings) {
      if (heading.getBoundingClientRect().top > line) break;
      current = heading;
    }
    for (const link of links) {
      if (current && link.getAttribute('href') === '#' + current.id) link.setAttribute('aria-current', 'true');
      else link.removeAttribute('aria-current');
    }
  }

  let queued = false;
  addEventListener('scroll', () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; mark(); });
  }, {passive: true});
  mark();
})();
