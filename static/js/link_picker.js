// "Link to a page on this site": the editor picks a programme, phase,
// municipality or document from a list, and the text links to it by
// object (internal:<kind>/<id>), so the link follows a changed address.
import { Extension, crel, gettext } from "django-prose-editor/editor"

const ngettext =
  window.ngettext || ((singular, plural, count) => (count === 1 ? singular : plural))
const interpolate =
  window.interpolate ||
  ((format, values) => format.replace(/%\((\w+)\)s/g, (_match, name) => values[name]))

const INTERNAL_LINK = /^internal:[a-z]+\/[0-9]+$/
const SEARCH_DELAY_MS = 200
let dialogCount = 0

function isInternal(href) {
  return INTERNAL_LINK.test(href || "")
}

function currentHref(editor) {
  return editor.isActive("link") ? editor.getAttributes("link").href || "" : ""
}

async function fetchTargets(url, parameters, signal) {
  const response = await fetch(`${url}?${new URLSearchParams(parameters)}`, {
    headers: { Accept: "application/json" },
    credentials: "same-origin",
    signal,
  })
  if (!response.ok) throw new Error(`link targets answered ${response.status}`)
  // A session that ran out answers with the login page, which is no JSON.
  return response.json()
}

function describe(target) {
  const state = target.is_published ? gettext("published") : gettext("not published")
  return `${target.kind_label} · ${state}`
}

function resultItem(target) {
  const button = crel(
    "button",
    { type: "button", className: "link-picker-result", "data-href": target.href },
    [
      crel("span", { className: "link-picker-label", textContent: target.label }),
      crel("span", {
        className: `link-picker-meta${target.is_published ? "" : " link-picker-unpublished"}`,
        textContent: describe(target),
      }),
    ],
  )
  return crel("li", {}, [button])
}

function openPicker(editor, targetsUrl) {
  const id = `link-picker-${++dialogCount}`
  const href = currentHref(editor)

  const search = crel("input", {
    type: "search",
    id: `${id}-search`,
    autocomplete: "off",
    autofocus: true,
    "aria-describedby": `${id}-status`,
    "aria-controls": `${id}-results`,
  })
  const current = crel("p", { className: "link-picker-current", id: `${id}-current` })
  const status = crel("p", { className: "link-picker-status", id: `${id}-status`, role: "status" })
  const results = crel("ul", {
    className: "link-picker-results",
    id: `${id}-results`,
    "aria-label": gettext("Pages"),
  })
  const cancel = crel("button", { type: "button", textContent: gettext("Cancel") })
  const dialog = crel(
    "dialog",
    { className: "prose-editor-dialog link-picker", "aria-labelledby": `${id}-title` },
    [
      crel("h2", {
        className: "prose-editor-dialog-title",
        id: `${id}-title`,
        textContent: gettext("Link to a page on this site"),
      }),
      current,
      crel("div", { className: "prose-editor-dialog-field" }, [
        crel("label", { htmlFor: search.id, textContent: gettext("Search for a title or a name") }),
        search,
      ]),
      status,
      results,
      crel("div", { className: "prose-editor-dialog-buttons" }, [cancel]),
    ],
  )
  // Outside the admin's form, so that Enter in the search never submits it.
  document.body.append(dialog)

  let picked = null
  let pending = null
  let timer = null

  const showCurrent = async () => {
    if (!href) {
      current.hidden = true
      return
    }
    if (!isInternal(href)) {
      current.textContent = interpolate(
        gettext("This link goes to %(address)s. Picking a page replaces it."),
        { address: href },
        true,
      )
      return
    }
    try {
      const { results: found } = await fetchTargets(targetsUrl, { href })
      current.textContent = found.length
        ? interpolate(
            gettext("This link goes to: %(page)s (%(state)s)."),
            { page: found[0].label, state: describe(found[0]) },
            true,
          )
        : gettext(
            "This link goes to a page that has been deleted. Pick another one, or remove the link.",
          )
    } catch {
      current.textContent = gettext("Where this link goes could not be looked up.")
    }
  }

  const runSearch = async () => {
    pending?.abort()
    pending = new AbortController()
    const query = search.value.trim()
    try {
      const data = await fetchTargets(targetsUrl, { q: query }, pending.signal)
      results.replaceChildren(...data.results.map(resultItem))
      if (!data.results.length) {
        status.textContent = query
          ? interpolate(
              gettext("Nothing matches “%(query)s”. Try another word."),
              { query },
              true,
            )
          : gettext("There are no pages to link to yet.")
      } else if (data.more) {
        status.textContent = interpolate(
          gettext("The first %(count)s pages. Type more of the title to find others."),
          { count: data.results.length },
          true,
        )
      } else {
        status.textContent = interpolate(
          ngettext("%(count)s page.", "%(count)s pages.", data.results.length),
          { count: data.results.length },
          true,
        )
      }
    } catch (error) {
      if (error.name === "AbortError") return
      results.replaceChildren()
      status.textContent = gettext(
        "The list of pages could not be fetched. Try again, or reload the page and log in again.",
      )
    }
  }

  search.addEventListener("input", () => {
    clearTimeout(timer)
    timer = setTimeout(runSearch, SEARCH_DELAY_MS)
  })
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault()
      clearTimeout(timer)
      runSearch()
    } else if (event.key === "ArrowDown") {
      event.preventDefault()
      results.querySelector("button")?.focus()
    }
  })
  results.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return
    event.preventDefault()
    const buttons = [...results.querySelectorAll("button")]
    const index = buttons.indexOf(document.activeElement)
    const next = index + (event.key === "ArrowDown" ? 1 : -1)
    if (next < 0) search.focus()
    else buttons[Math.min(next, buttons.length - 1)]?.focus()
  })
  results.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-href]")
    if (button) {
      picked = button.dataset.href
      dialog.close()
    }
  })
  cancel.addEventListener("click", () => dialog.close())
  dialog.addEventListener("close", () => {
    clearTimeout(timer)
    pending?.abort()
    dialog.remove()
    const chain = editor.chain().focus()
    if (picked) chain.extendMarkRange("link").setLink({ href: picked })
    chain.run()
  })

  dialog.showModal()
  showCurrent()
  runSearch()
}

export const InternalLink = Extension.create({
  name: "internalLink",

  addOptions() {
    return { targetsUrl: "" }
  },

  addMenuItems({ menu, buttons }) {
    menu.defineItem({
      name: "internalLink",
      groups: "link",
      // Before the package's own link button: most links go to our pages.
      priority: 110,
      button: buttons.material("find_in_page", gettext("Link to a page on this site")),
      enabled: (editor) => !editor.state.selection.empty || editor.isActive("link"),
      active: (editor) => isInternal(currentHref(editor)),
      command: (editor) => editor.commands.pickInternalLink(),
    })
    // The package's link button would show a link to one of our pages as
    // the bare internal: address; it opens the picker, which names the page.
    const link = menu.items("link").find((item) => item.name === "link")
    if (link) {
      const editAddress = link.command
      link.command = (editor) =>
        isInternal(currentHref(editor)) ? editor.commands.pickInternalLink() : editAddress(editor)
    }
  },

  addCommands() {
    return {
      pickInternalLink:
        () =>
        ({ editor }) => {
          openPicker(editor, this.options.targetsUrl)
          return true
        },
    }
  },
})
