// The language tabs of the change forms (modeltranslation, built with
// jQuery UI's tabs), made to make sense with a screen reader. Loaded after
// jQuery UI and before the tabs are built on page load.
"use strict"
;(() => {
  const $ = window.jQuery
  if (!$?.ui?.tabs) return
  const gettext = window.gettext || ((text) => text)

  // jQuery UI makes each list item the tab, with the focus and the keys,
  // but leaves a link inside it: a control within a control, which screen
  // readers offer as a second stop. The links lose their address once the
  // tabs are built (kept aside for a rebuild); the panels are all on the
  // page, so no tab ever needs to fetch one.
  $.widget("ui.tabs", $.ui.tabs, {
    _isLocal: () => true,

    _processTabs() {
      this.tablist?.find("a[data-tab-href]").each((_index, link) => {
        link.setAttribute("href", link.dataset.tabHref)
      })
      this._super()
      this.anchors.each((_index, link) => {
        link.dataset.tabHref = link.getAttribute("href")
        link.removeAttribute("href")
      })
    },
  })

  // The switch that shows one language in every field has no label.
  $(() => {
    $("#modeltranslation-main-switch").attr(
      "aria-label",
      gettext("Language shown in the fields"),
    )
  })

  // The admin's overview links to one language of one field
  // (#id_summary_en): show every field in that language, and go to it.
  $(() => {
    const id = decodeURIComponent(window.location.hash.slice(1))
    const field = id && document.getElementById(id)
    const panel = field && $(field).closest(".ui-tabs-panel")
    if (!panel?.length) return
    const index = panel.parent().children(".ui-tabs-panel").index(panel)
    const mainSwitch = $("#modeltranslation-main-switch")
    if (mainSwitch.length) mainSwitch.val(String(index)).trigger("change")
    else panel.parent().tabs("option", "active", index)
    const target = panel.find("[contenteditable='true'], input, textarea, select")
      .filter(":visible").first()
    panel[0].scrollIntoView({ block: "center" })
    target.trigger("focus")
  })
})()
