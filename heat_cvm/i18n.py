"""oslo.i18n integration: ``_()`` marks user-facing text."""

import oslo_i18n

DOMAIN = 'heat_cvm'

_translators = oslo_i18n.TranslatorFactory(domain=DOMAIN)

_ = _translators.primary
