/* CareForce: the small behaviours of the pages, from data attributes. The Content-Security-Policy runs
   scripts from our static files only: no inline <script>, no onclick= (docs/security.md, "Headers").
   - data-print: the button prints the page.
   - data-confirm="question": the button or link goes ahead only if the person confirms.
   - data-check-all="selector": this checkbox ticks or clears every box the selector finds.
   - data-ticks-row="selector": typing in this field ticks the box the selector finds in the same row.
   - data-autosubmit: changing this field submits its form.
   - data-width="42": the element's width in per cent (progress bars; a style= attribute is refused).
   - data-person-search="url": a person picker. Typing a name, pinyin or ID number lists the matching people
     (masked: name, ID region, institution) from the url; a click puts the person in the form's hidden
     "<name>_key" field. Without JavaScript the typed text is resolved on the server. */
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

/* Person pickers (data-person-search). */
(function () {
  "use strict";

  var timers = new WeakMap();

  function keyField(input) {
    return input.form ? input.form.elements.namedItem(input.name + "_key") : null;
  }

  function listOf(input) {
    var list = input.parentElement.querySelector(".person-picker-list");
    if (!list) {
      list = document.createElement("div");
      list.className = "list-group position-absolute shadow person-picker-list";
      list.setAttribute("role", "listbox");
      input.parentElement.appendChild(list);
    }
    return list;
  }

  function show(input, items, error) {
    var list = listOf(input);
    list.replaceChildren();
    if (error) {
      var note = document.createElement("div");
      note.className = "list-group-item text-danger small";
      note.textContent = error;
      list.appendChild(note);
      return;
    }
    items.forEach(function (item) {
      var option = document.createElement("button");
      option.type = "button";
      option.className = "list-group-item list-group-item-action";
      option.setAttribute("role", "option");
      option.dataset.personKey = item.key;
      var name = document.createElement("strong");
      name.textContent = item.name;
      var rest = document.createElement("span");
      rest.className = "text-body-secondary small ms-2";
      rest.textContent = [item.id_number, item.institution].filter(Boolean).join(" · ");
      option.append(name, rest);
      option.addEventListener("click", function () {
        input.value = item.name + " " + item.id_number;
        var key = keyField(input);
        if (key) {
          key.value = item.key;
        }
        list.replaceChildren();
      });
      list.appendChild(option);
    });
  }

  function search(input) {
    var text = input.value.trim();
    if (!text) {
      show(input, []);
      return;
    }
    var url = input.dataset.personSearch + "?q=" + encodeURIComponent(text);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json();
      })
      .then(function (data) {
        if (input.value.trim() === text) {
          show(input, data.items || [], data.error);
        }
      })
      .catch(function () {
        show(input, []);
      });
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.personSearch) {
      return;
    }
    var key = keyField(input);
    if (key) {
      key.value = ""; // typed again: the earlier choice no longer holds
    }
    clearTimeout(timers.get(input));
    timers.set(
      input,
      setTimeout(function () {
        search(input);
      }, 250)
    );
  });
})();
