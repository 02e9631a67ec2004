"""Routes Qt's own strings (standard buttons, line-edit menus, file dialogs) to the app's catalog."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

from app import i18n

QT_LOCALES = {"vi": QLocale.Language.Vietnamese, "en": QLocale.Language.English}


class CatalogTranslator(QTranslator):
    """Answers Qt's ``tr()`` lookups from the gettext catalog, by Qt context (``msgctxt``)."""

    def translate(
        self, context: str, source_text: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        # None (a null QString) tells Qt "not translated here", so it keeps its own English text;
        # an empty string would be taken as the translation and blank the text out.
        return i18n.current().lookup(context, source_text)

    def isEmpty(self) -> bool:
        return False


_installed: CatalogTranslator | None = None


def apply_language(language: str) -> None:
    """Switch the app's catalog and Qt's translator and locale. Windows built afterwards use it;
    open ones keep their text until rebuilt (the settings dialog says so)."""
    global _installed
    i18n.set_language(language)
    application = QCoreApplication.instance()
    if application is not None:
        if _installed is not None:
            QCoreApplication.removeTranslator(_installed)
        _installed = CatalogTranslator(application)
        QCoreApplication.installTranslator(_installed)
    country = QLocale.Country.Vietnam if i18n.current_language() == "vi" else QLocale.Country.UnitedKingdom
    QLocale.setDefault(QLocale(QT_LOCALES[i18n.current_language()], country))
