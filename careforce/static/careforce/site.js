/* CareForce: the small behaviours of the pages, from data attributes. The Content-Security-Policy runs
   scripts from our static files only: no inline <script>, no onclick= (docs/security.md, "Headers").
   - data-print: the button prints the page.
   - data-confirm="question": the button or link goes ahead only if the person confirms.
   - data-check-all="selector": this checkbox ticks or clears every box the selector finds.
   - data-ticks-row="selector": typing in this field ticks the box the selector finds in the same row.
   - data-autosubmit: changing this field submits its form.
   - data-width="42": the element's width in per cent (progress bars; a style= attribute is refused). */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) {
      return;
    }
    if (target.closest("[data-print]")) {
      window.print();
      return;
    }
    var asking = target.closest("[data-confirm]");
    if (asking && !window.confirm(asking.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  });

  function tickRow(field) {
    var row = field.closest("tr");
    var box = row && row.querySelector(field.dataset.ticksRow);
    if (box) {
      box.checked = true;
    }
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-ticks-row]")) {
      tickRow(event.target);
    }
  });

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!field.matches) {
      return;
    }
    if (field.matches("[data-check-all]")) {
      document.querySelectorAll(field.dataset.checkAll).forEach(function (box) {
        box.checked = field.checked;
      });
    }
    if (field.matches("[data-ticks-row]")) {
      tickRow(field);
    }
    if (field.matches("[data-autosubmit]") && field.form) {
      field.form.submit();
    }
  });

  // Widths through the style object (allowed by the policy), also for content htmx swaps in later.
  function applyWidths(root) {
    var elements = root.querySelectorAll ? root.querySelectorAll("[data-width]") : [];
    elements.forEach(function (element) {
      element.style.width = element.dataset.width + "%";
    });
    if (root.matches && root.matches("[data-width]")) {
      root.style.width = root.dataset.width + "%";
    }
  }

  // On phones a table's rows show as cards without the header row (site.css): each cell carries its
  // column's name, shown before its value.
  function labelCells(root) {
    var tables = root.querySelectorAll ? root.querySelectorAll(".table-responsive > table") : [];
    tables.forEach(function (table) {
      var heads = table.querySelectorAll("thead tr:last-child th");
      if (!heads.length) {
        return;
      }
      table.querySelectorAll("tbody tr").forEach(function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.children, function (cell) {
          var head = heads[column];
          var text = head ? head.textContent.trim() : "";
          if (text && !cell.hasAttribute("data-label") && !cell.hasAttribute("colspan")) {
            cell.setAttribute("data-label", text);
          }
          column += cell.colSpan || 1;
        });
      });
    });
  }

  function onLoad(root) {
    applyWidths(root);
    labelCells(root);
  }

  if (window.htmx) {
    window.htmx.onLoad(onLoad);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      onLoad(document);
    });
  } else {
    onLoad(document);
  }
})();
