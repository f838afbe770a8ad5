"""The 24 official languages of the European Union, for e-mails."""

from django.db import models


class EmailLanguage(models.TextChoices):
    """Codes are ISO 639-1; labels are each language's own name (as EU Login shows them)."""

    BG = "bg", "български (bg)"
    ES = "es", "español (es)"
    CS = "cs", "čeština (cs)"
    DA = "da", "dansk (da)"
    DE = "de", "Deutsch (de)"
    ET = "et", "eesti keel (et)"
    EL = "el", "ελληνικά (el)"
    EN = "en", "English (en)"
    FR = "fr", "français (fr)"
    GA = "ga", "Gaeilge (ga)"
    HR = "hr", "hrvatski (hr)"
    IT = "it", "italiano (it)"
    LV = "lv", "latviešu valoda (lv)"
    LT = "lt", "lietuvių kalba (lt)"
    HU = "hu", "magyar (hu)"
    MT = "mt", "Malti (mt)"
    NL = "nl", "Nederlands (nl)"
    PL = "pl", "polski (pl)"
    PT = "pt", "português (pt)"
    RO = "ro", "română (ro)"
    SK = "sk", "slovenčina (sk)"
    SL = "sl", "slovenščina (sl)"
    FI = "fi", "suomi (fi)"
    SV = "sv", "svenska (sv)"
