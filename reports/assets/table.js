/* Sorting and filtering for the report's tables. The page works without it: tables are
   rendered in their default order. Allowed by the page's CSP through its sha256 hash. */
/* global document */
(function () {
  'use strict';
  var tables = document.querySelectorAll('table.sortable');
  Array.prototype.forEach.call(tables, function (table) {
    var body = table.tBodies[0];
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, col) {
      var button = th.querySelector('button');
      if (!button) return;
      button.addEventListener('click', function () {
        var current = th.getAttribute('aria-sort');
        var dir = current
          ? current === 'ascending'
            ? 'descending'
            : 'ascending'
          : th.getAttribute('data-first') || 'ascending';
        Array.prototype.forEach.call(heads, function (other) {
          other.removeAttribute('aria-sort');
        });
        th.setAttribute('aria-sort', dir);
        var numeric = th.getAttribute('data-type') === 'num';
        var sign = dir === 'ascending' ? 1 : -1;
        var rows = Array.prototype.slice.call(body.rows).map(function (row, i) {
          var cell = row.cells[col];
          var raw = cell ? cell.getAttribute('data-sort') || '' : '';
          return { row: row, i: i, raw: raw, num: numeric && raw !== '' ? Number(raw) : NaN };
        });
        rows.sort(function (a, b) {
          var aMissing = a.raw === '';
          var bMissing = b.raw === '';
          if (aMissing || bMissing) return aMissing === bMissing ? a.i - b.i : aMissing ? 1 : -1;
          var c = numeric ? a.num - b.num : a.raw < b.raw ? -1 : a.raw > b.raw ? 1 : 0;
          return c !== 0 ? sign * c : a.i - b.i;
        });
        rows.forEach(function (r) {
          body.appendChild(r.row);
        });
      });
    });
  });
  var inputs = document.querySelectorAll('input[data-filter-for]');
  Array.prototype.forEach.call(inputs, function (input) {
    var table = document.getElementById(input.getAttribute('data-filter-for'));
    var count = document.querySelector('[data-count-for="' + input.getAttribute('data-filter-for') + '"]');
    if (!table) return;
    var original = count ? count.textContent : '';
    input.addEventListener('input', function () {
      var q = input.value.trim().toLowerCase();
      var rows = table.tBodies[0].rows;
      var shown = 0;
      Array.prototype.forEach.call(rows, function (row) {
        var hit = q === '' || (row.getAttribute('data-filter') || '').indexOf(q) >= 0;
        row.hidden = !hit;
        if (hit) shown++;
      });
      if (count) count.textContent = q === '' ? original : shown + ' of ' + rows.length + ' shown';
    });
  });
})();
