"""Run axe-core in a page and describe what it finds."""

from axe_playwright_python.sync_playwright import Axe

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_SCRIPT = Axe().axe_script


def axe_violations(page):
    """WCAG 2.1 A and AA violations on the page as loaded."""
    # Evaluated rather than added as a <script> tag: the site's CSP blocks inline scripts.
    page.evaluate(AXE_SCRIPT)
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results = page.evaluate("options => axe.run(document, options)", options)
    return results["violations"]


def describe(path, violations):
    lines = []
    for violation in violations:
        targets = [" ".join(node["target"]) for node in violation["nodes"][:5]]
        lines.append(f"{path}: {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    at {target}" for target in targets)
    return lines
