// Anchoring private notes: a note is found again by its quote and the text just before and after it,
// like a W3C Web Annotation TextQuoteSelector, and highlighted with <mark> elements made through the DOM.
(function () {
  "use strict";

  var CONTEXT = 32;


  // The section's visible text with each run of white space as one space, and where each character lives.
  function textIndex(section) {
    var walker = document.createTreeWalker(section, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        return node.parentNode.closest("[data-notes-ui]") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      }
    });
    var chars = [];
    var nodes = [];
    var offsets = [];
    var space = true;
    while (walker.nextNode()) {
      var node = walker.currentNode;
      var value = node.nodeValue;
      for (var i = 0; i < value.length; i++) {
        var ch = value.charAt(i);
        if (/\s/.test(ch)) {
          if (space) { continue; }
          ch = " ";
          space = true;
        } else {
          space = false;
        }
        chars.push(ch);
        nodes.push(node);
        offsets.push(i);
      }
    }
    return { text: chars.join(""), nodes: nodes, offsets: offsets };
  }

  // The index of the first character at or after a boundary point (binary search: positions are in order).
  function indexAt(index, container, offset) {
    var point = document.createRange();
    point.setStart(container, offset);
    var low = 0;
    var high = index.nodes.length;
    while (low < high) {
      var mid = (low + high) >> 1;
      if (point.comparePoint(index.nodes[mid], index.offsets[mid]) >= 0) { high = mid; } else { low = mid + 1; }
    }
    return low;
  }

  function sectionTitle(section) {
    var heading = section.querySelector("h2");
    return heading ? heading.textContent.trim() : "";
  }

  function anchorFromRange(section, range) {
    var index = textIndex(section);
    var start = indexAt(index, range.startContainer, range.startOffset);
    var end = indexAt(index, range.endContainer, range.endOffset);
    while (start < end && index.text.charAt(start) === " ") { start++; }
    while (end > start && index.text.charAt(end - 1) === " ") { end--; }
    if (end <= start) { return null; }
    return {
      section: section.id,
      sectionTitle: sectionTitle(section),
      quote: index.text.slice(start, end),
      prefix: index.text.slice(Math.max(0, start - CONTEXT), start),
      suffix: index.text.slice(end, end + CONTEXT)
    };
  }

  function sharedEnd(a, b) {
    var n = 0;
    while (n < a.length && n < b.length && a.charAt(a.length - 1 - n) === b.charAt(b.length - 1 - n)) { n++; }
    return n;
  }

  function sharedStart(a, b) {
    var n = 0;
    while (n < a.length && n < b.length && a.charAt(n) === b.charAt(n)) { n++; }
    return n;
  }

  // Where the quote is now: its own section first, then anywhere (a re-import can move text between sections).
  function locate(note, sections) {
    var own = sections.filter(function (s) { return s.id === note.section; });
    var order = own.concat(sections.filter(function (s) { return s.id !== note.section; }));
    for (var k = 0; k < order.length; k++) {
      var index = textIndex(order[k]);
      var best = null;
      var from = index.text.indexOf(note.quote);
      while (from !== -1) {
        var end = from + note.quote.length;
        var score = sharedEnd(note.prefix || "", index.text.slice(Math.max(0, from - CONTEXT), from)) +
          sharedStart(note.suffix || "", index.text.slice(end, end + CONTEXT));
        if (!best || score > best.score) { best = { score: score, start: from, end: end }; }
        from = index.text.indexOf(note.quote, from + 1);
      }
      if (best) { return { index: index, start: best.start, end: best.end }; }
    }
    return null;
  }

  function highlight(found, noteId) {
    var pieces = [];
    for (var i = found.start; i < found.end; i++) {
      var node = found.index.nodes[i];
      var last = pieces[pieces.length - 1];
      if (last && last.node === node) { last.to = found.index.offsets[i] + 1; }
      else { pieces.push({ node: node, from: found.index.offsets[i], to: found.index.offsets[i] + 1 }); }
    }
    pieces.forEach(function (piece) {
      var target = piece.node;
      if (!target.nodeValue.slice(piece.from, piece.to).trim()) { return; }
      if (piece.from > 0) { target = target.splitText(piece.from); }
      if (piece.to - piece.from < target.nodeValue.length) { target.splitText(piece.to - piece.from); }
      var mark = document.createElement("mark");
      mark.className = "note-mark";
      mark.setAttribute("data-note-id", noteId);
      target.parentNode.insertBefore(mark, target);
      mark.appendChild(target);
    });
  }

  function clearHighlights() {
    Array.prototype.forEach.call(document.querySelectorAll("mark.note-mark"), function (mark) {
      var parent = mark.parentNode;
      while (mark.firstChild) { parent.insertBefore(mark.firstChild, mark); }
      parent.removeChild(mark);
      parent.normalize();
    });
  }
  window.TrialNotesAnchor = {
    fromRange: anchorFromRange,
    locate: locate,
    highlight: highlight,
    clearHighlights: clearHighlights
  };
})();
