"""Forms and widgets rendered with Jinja2 where Django ships a Jinja2 twin of the template.

Django renders every widget through a template; with its own template language a select
of 29 applications took half of the wizard's first page (about 5 ms of 10). Django keeps
Jinja2 copies of all its form and widget templates (django/forms/jinja2/), which render
the same HTML several times faster. Templates that exist only for Django's language (the
admin's widgets, ``accounts/widgets/robot_check.html``) are rendered by it, as before.
"""

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from django.template.backends.base import BaseEngine
from django.utils.functional import cached_property


class JinjaFirstFormRenderer(BaseRenderer):
    """settings.FORM_RENDERER: Jinja2's template of a name if there is one, else Django's."""

    def __init__(self) -> None:
        # Which engine has each template name: looked up once per process, so a name
        # Jinja2 lacks (an admin widget) does not cost a file search at every render.
        self._engine_of: dict[str, BaseEngine] = {}

    @cached_property
    def jinja2(self):
        return Jinja2().engine

    @cached_property
    def django(self):
        return DjangoTemplates().engine

    def get_template(self, template_name: str):
        engine = self._engine_of.get(template_name)
        if engine is not None:
            return engine.get_template(template_name)
        try:
            template = self.jinja2.get_template(template_name)
            self._engine_of[template_name] = self.jinja2
        except TemplateDoesNotExist:
            template = self.django.get_template(template_name)
            self._engine_of[template_name] = self.django
        return template
