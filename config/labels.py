"""Admin labels in the page's language for models and fields that declare no verbose_name.

Django derives a field's label from its name ("fingerprint") and a model's from its class name
("extension request"), in English, so the Chinese admin mixed languages. Declaring a verbose_name on
each would rewrite some eighty fields in one migration (and undo any parallel change to them);
instead each app's ``ready()`` marks the derived label itself for translation. Migrations are
untouched: a field deconstructs from what it was given (``Field._verbose_name``) and a model's
options from its ``Meta`` (``Options.original_attrs``). The zh-hans catalogue holds the
translations; ``tests/test_translations.py`` fails on a label without one.
"""

from django.utils.translation import gettext_lazy


def translate_derived_labels(app_config) -> None:
    """Mark the derived verbose names of ``app_config``'s models and fields for translation."""
    for model in app_config.get_models():
        opts = model._meta
        for attr in ("verbose_name", "verbose_name_plural"):
            if attr not in opts.original_attrs:
                setattr(opts, attr, gettext_lazy(str(getattr(opts, attr))))
        for field in opts.get_fields():
            if field.concrete and not field.auto_created and getattr(field, "_verbose_name", "") is None:
                field.verbose_name = gettext_lazy(str(field.verbose_name))
