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
      // A multiple choice: its search box is named by the label, and the
      // "remove all" cross among the chosen items counts as one of them.
      box.querySelector(".select2-search__field")?.setAttribute("aria-labelledby", label.id)
      for (const clear of box.querySelectorAll("ul > .select2-selection__clear")) {
        clear.setAttribute("role", "listitem")
      }
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
