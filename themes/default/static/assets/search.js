// The search page: queries the Pagefind index that briefgen builds with the site.
// Pagefind fetches only the index fragments a query needs, all from this site.
const form = document.querySelector(".search-form");
const input = document.getElementById("search-input");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const PAGE_SIZE = 10;
// The page's words, in the site's language, are data attributes of the form (templates/search.html);
// "{count}" and "{query}" in them are filled in here.
const words = form.dataset;
const plurals = new Intl.PluralRules(document.documentElement.lang || "en");

function fill(text, values) {
  return text.replace(/\{(count|query)\}/g, (_, name) => values[name]);
}

// "3 results for …" in the plural form the language gives the count (Russian has one, few and many).
function resultsText(count, query) {
  const category = plurals.select(count);
  const key = `results${category[0].toUpperCase()}${category.slice(1)}`;
  const text = words[key] || words.resultsOther || words.resultsMany || "";
  return fill(text, { count: count.toLocaleString(document.documentElement.lang || undefined), query });
}
let pagefind = null;
let latest = 0; // the newest query wins; older answers that arrive late are dropped

// The index comes in shards (a year of briefings, a taxonomy), each a Pagefind
// bundle: load the first, merge the others. Result URLs in the index are
// relative to the site root: the base path makes them links.
async function loadPagefind() {
  if (!pagefind) {
    const bundle = new URL(form.dataset.bundle, location.href);
    const all = await (await fetch(new URL("shards.json", bundle))).json();
    // A multilingual site: only the shards of this page's language ("ru.briefings-2021").
    const prefix = form.dataset.shards;
    const shards = prefix ? all.filter((name) => name.startsWith(prefix)) : all;
    const [first, ...others] = shards.map((name) => new URL(`${name}/`, bundle).href);
    pagefind = await import(new URL("pagefind.js", first).href);
    await pagefind.options({ baseUrl: form.dataset.base });
    for (const shard of others) {
      await pagefind.mergeIndex(shard, { baseUrl: form.dataset.base });
    }
    await pagefind.init();
  }
  return pagefind;
}

// Excerpts are text with <mark> around the matched words: keep those, nothing else.
function excerptNodes(html) {
  const parsed = new DOMParser().parseFromString(html, "text/html");
  const fragment = document.createDocumentFragment();
  for (const node of parsed.body.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      fragment.append(mark);
    } else {
      fragment.append(document.createTextNode(node.textContent));
    }
  }
  return fragment;
}

function resultItem(data) {
  const item = document.createElement("li");
  const heading = document.createElement("h2");
  const link = document.createElement("a");
  link.href = data.url;
  link.textContent = data.meta.title || data.url;
  heading.append(link);
  item.append(heading);
  if (data.meta.kind) {
    const kind = document.createElement("p");
    kind.className = "meta";
    kind.textContent = data.meta.date ? `${data.meta.kind} · ${data.meta.date}` : data.meta.kind;
    item.append(kind);
  }
  const excerpt = document.createElement("p");
  excerpt.append(excerptNodes(data.excerpt));
  item.append(excerpt);
  return item;
}

async function showResults(results, start, query) {
  const shown = await Promise.all(results.slice(start, start + PAGE_SIZE).map((r) => r.data()));
  if (query !== latest) return;
  list.append(...shown.map(resultItem));
  const more = start + PAGE_SIZE < results.length;
  const button = document.getElementById("search-more");
  if (button) button.remove();
  if (more) {
    const next = document.createElement("button");
    next.id = "search-more";
    next.type = "button";
    next.textContent = words.more;
    next.addEventListener("click", () => showResults(results, start + PAGE_SIZE, query));
    list.after(next);
  }
}

async function runSearch(text) {
  const query = ++latest;
  list.replaceChildren();
  document.getElementById("search-more")?.remove();
  if (!text.trim()) {
    status.textContent = "";
    return;
  }
  status.textContent = words.searching;
  const engine = await loadPagefind();
  const search = await engine.search(text);
  if (query !== latest) return;
  const count = search.results.length;
  status.textContent = count === 0 ? fill(words.nothing, { query: text }) : resultsText(count, text);
  await showResults(search.results, 0, query);
}

function searchFromAddress() {
  const text = new URLSearchParams(location.search).get("q") || "";
  input.value = text;
  runSearch(text).catch(reportFailure);
}

function reportFailure(error) {
  status.textContent = words.failed;
  console.error(error);
}

let timer = 0;
input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => {
    const address = new URL(location.href);
    address.searchParams.set("q", input.value);
    history.replaceState(null, "", address);
    runSearch(input.value).catch(reportFailure);
  }, 200);
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(timer);
  const address = new URL(location.href);
  address.searchParams.set("q", input.value);
  history.pushState(null, "", address);
  runSearch(input.value).catch(reportFailure);
});
window.addEventListener("popstate", searchFromAddress);
searchFromAddress();
