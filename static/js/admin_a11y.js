// Accessible names for widgets the Django admin builds without them, on
// every admin page: the search icons of the two-list selector, the
// autocomplete boxes (Select2) and the cells of tabular inline rows.
// Runs when the page is read, and again whenever the page's own scripts
// add to it.
"use strict"
;(() => {
  // A <span> may carry aria-label only with a role that takes a name.
  const nameIcons = (root) => {
    for (const icon of root.querySelectorAll("span.help-tooltip[aria-label]:not([role])")) {
      icon.setAttribute("role", "img")
    }
  }

  // Select2's box is named by the chosen value only, so an empty one has no
  // name: name it by the field's label first, then the value.
  const nameAutocompletes = (root) => {
    for (const select of root.querySelectorAll("select.admin-autocomplete")) {
      const box = select.parentElement.querySelector(".select2-selection")
      const label = select.id && document.querySelector(`label[for="${select.id}"]`)
      if (!box || !label) continue
      if (!label.id) label.id = `${select.id}_label`
      const value = box.querySelector(".select2-selection__rendered")
      box.setAttribute("aria-labelledby", [label.id, value?.id].filter(Boolean).join(" "))
      // The value's own box (a read-only textbox to screen readers) is named by the label too.
      value?.setAttribute("aria-labelledby", label.id)
      // A multiple choice (the municipalities) types its search into the box itself.
      box.querySelector(".select2-search__field")?.setAttribute("aria-labelledby", label.id)
      // Its "×" that clears every choice sits in the list of choices, where only
      // items may be; Backspace does the same from the keyboard.
      for (const clear of box.querySelectorAll(".select2-selection__clear")) {
        clear.setAttribute("aria-hidden", "true")
      }
      // Open, the box says which list it shows (ARIA 1.2 asks for aria-controls;
      // Select2 4.0 sets only aria-owns).
      const results = box.getAttribute("aria-owns")
      if (results) box.setAttribute("aria-controls", results)
      else box.removeAttribute("aria-controls")
    }
    // The search box of an open single choice is in a dropdown at the end of
    // the page; it belongs to the field whose results it filters.
    for (const search of root.querySelectorAll(".select2-dropdown .select2-search__field")) {
      const id = search.getAttribute("aria-controls")?.match(/^select2-(.+)-results$/)?.[1]
      const label = id && document.querySelector(`label[for="${id}"]`)
      if (!label) continue
      if (!label.id) label.id = `${id}_label`
      search.setAttribute("aria-labelledby", label.id)
    }
  }

  // A tabular inline names its fields once, in the column headings; a row's
  // cells line up with them one to one (the "Delete?" column included).
  const nameCells = (root) => {
    for (const cell of root.querySelectorAll(".tabular tbody td")) {
      const headings = cell.closest("table")?.querySelectorAll("thead th")
      const text = headings?.[cell.cellIndex]?.textContent.trim()
      if (!text) continue
      for (const input of cell.querySelectorAll("input:not([type=hidden]), select, textarea")) {
        const labelled =
          input.hasAttribute("aria-label") ||
          input.hasAttribute("aria-labelledby") ||
          (input.id && document.querySelector(`label[for="${input.id}"]`))
        if (!labelled) input.setAttribute("aria-label", text)
      }
    }
  }

  const nameAll = (root) => {
    nameIcons(root)
    nameAutocompletes(root)
    nameCells(root)
  }
  // The admin's scripts build their widgets at different moments (jQuery's
  // ready handlers, an inline row added, an autocomplete re-drawn), so the
  // names are given again after any change to the page, at most once a frame.
  let pending = false
  const nameSoon = () => {
    if (pending) return
    pending = true
    window.requestAnimationFrame(() => {
      pending = false
      nameAll(document)
    })
  }
  document.addEventListener("DOMContentLoaded", () => {
    nameAll(document)
    new MutationObserver(nameSoon).observe(document.body, { childList: true, subtree: true })
  })
})()
