// Search page enhancement: Pagefind's UI over the index made at build time.
// The page works without this script: it says search needs JavaScript and links to the indexes.
(function () {
  "use strict";
  var box = document.getElementById("search");
  var note = document.getElementById("search-unavailable");
  if (!box) return;
  function unavailable(text) {
    if (text) note.textContent = text;
    note.hidden = false;
  }
  if (location.protocol === "file:") {
    // Browsers do not let a page read the index files from disk.
    unavailable("从本地文件打开本站时无法搜索：请通过网站服务器访问，或使用下面的索引。");
    return;
  }
  if (typeof PagefindUI === "undefined") {
    unavailable();
    return;
  }
  // Links in the index start at the site's root; the site may live below a path.
  var root = new URL(box.getAttribute("data-root"), location.href).pathname;
  var ui = new PagefindUI({
    element: "#search",
    bundlePath: new URL(box.getAttribute("data-bundle"), location.href).pathname,
    baseUrl: root,
    showSubResults: true,
    showImages: false,
    resetStyles: false,
    autofocus: true
  });
  var query = new URLSearchParams(location.search).get("q");
  if (query) ui.triggerSearch(query);
})();
