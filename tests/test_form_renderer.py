"""The site's form renderer prints what Django's prints, faster for empty error lists."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.forms.utils import ErrorList

from hallingdal.form_renderer import FormRenderer


class Form(forms.Form):
    name = forms.CharField()
    number = forms.IntegerField(required=False)


@pytest.mark.parametrize("data", [{}, {"name": "Gol", "number": "x"}, {"name": "Gol"}])
def test_a_form_renders_the_same_as_with_djangos_renderer(data):
    ours = Form(data, renderer=FormRenderer()).render()
    djangos = Form(data, renderer=DjangoTemplates()).render()
    assert ours == djangos


def test_empty_error_lists_skip_their_template_and_others_do_not(monkeypatch):
    rendered = []
    renderer = FormRenderer()
    original = DjangoTemplates.render

    def counting(self, template_name, context, request=None):
        rendered.append(template_name)
        return original(self, template_name, context, request)

    monkeypatch.setattr(DjangoTemplates, "render", counting)
    assert str(ErrorList([], renderer=renderer)) == ""
    assert rendered == []
    assert "Skriv eit namn" in str(ErrorList(["Skriv eit namn"], renderer=renderer))
    assert rendered == ["django/forms/errors/list/default.html"]


def test_the_site_uses_it(settings):
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FormRenderer)
