"""Parse, check and normalise the values people type: identifiers, contact details, amounts, dates.

Each ``normalize_*``/``parse_*`` function takes what a form, a workbook cell or the command line gives
(text, number, date or None), returns the canonical value or None for an empty input, and raises
``ValidationError`` with a French message otherwise. Every writer uses them.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import urlsplit

import phonenumbers
from babel.numbers import format_currency, format_decimal
from email_validator import EmailNotValidError, validate_email
from stdnum.fr import siret as stdnum_siret
from unidecode import unidecode

from registry.services.records.errors import ValidationError

MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2100, 12, 31)
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")


def clean_text(value, max_length: int | None = None) -> str | None:
    """Stripped text with its line breaks as LF (a browser sends CRLF), or None when empty; refuses text longer
    than ``max_length``."""
    if value is None:
        return None
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return None
    if max_length is not None and len(text) > max_length:
        raise ValidationError(f"Texte trop long : {len(text)} caractères pour {max_length} au plus.")
    return text


def _digits_only(value) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = f"{int(value)}"
    return _SPACES.sub("", str(value)).replace(".", "").replace("-", "")


def normalize_siret(value) -> str | None:
    """14 digits passing the Luhn check (or La Poste's rule), spaces removed."""
    if value is None or str(value).strip() == "":
        return None
    digits = _digits_only(value)
    if not digits.isdigit() or len(digits) != 14:
        raise ValidationError(f"SIRET invalide « {value} » : il faut 14 chiffres (9 du SIREN et 5 du NIC).")
    if not stdnum_siret.is_valid(digits):
        raise ValidationError(
            f"SIRET invalide « {value} » : la clé de contrôle ne correspond pas (vérifiez les chiffres)."
        )
    return digits


def format_siret(value: str | None) -> str:
    """'73282932000074' -> '732 829 320 00074'."""
    if not value:
        return ""
    return f"{value[:3]} {value[3:6]} {value[6:9]} {value[9:]}" if len(value) == 14 else value


_RNA = re.compile(r"^W\d{9}$")
_LEGACY_RNA = re.compile(r"^[0-9A-Z/]{1,10}$")


def normalize_rna(value) -> str | None:
    """RNA number 'W' + 9 digits (W upper-cased); older legacy numbers of up to 10 characters pass as they are."""
    text = clean_text(value)
    if text is None:
        return None
    text = _SPACES.sub("", text).upper()
    if text.startswith("W"):
        if not _RNA.match(text):
            raise ValidationError(f"Numéro RNA invalide « {value} » : attendu W suivi de 9 chiffres (W595012345).")
        return text
    if not _LEGACY_RNA.match(text):
        raise ValidationError(
            f"Numéro RNA invalide « {value} » : attendu W suivi de 9 chiffres, "
            "ou un ancien numéro de 10 caractères au plus."
        )
    return text


_APE = re.compile(r"^(\d{2})\.?(\d{2})([A-Z])$")


def normalize_ape(value) -> str | None:
    """APE/NAF code in the form '88.10A' (accepts '8810a', '88 10 A')."""
    text = clean_text(value)
    if text is None:
        return None
    match = _APE.match(_SPACES.sub("", text).upper())
    if not match:
        raise ValidationError(
            f"Code APE invalide « {value} » : attendu deux chiffres, un point, deux chiffres et une lettre (88.10A)."
        )
    return f"{match[1]}.{match[2]}{match[3]}"


def normalize_postcode(value) -> str | None:
    """French postcode: five digits."""
    if value is None or str(value).strip() == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = f"{int(value):05d}"
    text = _SPACES.sub("", str(value))
    if not re.fullmatch(r"\d{5}", text):
        raise ValidationError(f"Code postal invalide « {value} » : il faut 5 chiffres (59000).")
    return text


def normalize_phone(value) -> str | None:
    """A French phone number shown in pairs: '03 20 49 50 00' (accepts +33, dots, dashes)."""
    text = clean_text(value)
    if text is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = f"0{int(value)}"  # a spreadsheet turned "0320..." into the number 320...
    try:
        number = phonenumbers.parse(text, "FR")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(f"Numéro de téléphone invalide « {value} » : attendu 10 chiffres (03 20 49 50 00).")
    if number.country_code == 33:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalize_email(value) -> str | None:
    """An e-mail address, checked for syntax, in lower case."""
    text = clean_text(value)
    if text is None:
        return None
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise ValidationError(f"Adresse électronique invalide « {value} » (exemple : prenom.nom@exemple.fr).") from None
    return result.normalized.lower()


def normalize_url(value) -> str | None:
    """A web address with http or https (adds https:// when the scheme is missing)."""
    text = clean_text(value, max_length=300)
    if text is None:
        return None
    if "://" not in text:
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", text) and not re.match(r"^[^:]+:\d", text):
            raise ValidationError(f"Adresse web invalide « {value} » : elle doit commencer par https://.")
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or "." not in parts.netloc or " " in text:
        raise ValidationError(f"Adresse web invalide « {value} » : attendu par exemple https://www.exemple.fr.")
    return text


def parse_decimal(value, *, places: int = 2, minimum: Decimal | int | None = 0, maximum=None) -> Decimal | None:
    """A French or international amount ('1 234,56 €', '1234.56', 1234.56) as an exact Decimal."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValidationError(f"Montant invalide « {value} ».")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        number = _parse_decimal_text(str(value))
    quantum = Decimal(1).scaleb(-places)
    number = number.quantize(quantum, rounding=ROUND_HALF_UP)
    if minimum is not None and number < minimum:
        raise ValidationError(f"Valeur invalide « {value} » : elle doit être supérieure ou égale à {minimum}.")
    if maximum is not None and number > maximum:
        raise ValidationError(f"Valeur invalide « {value} » : elle doit être inférieure ou égale à {maximum}.")
    return number


def _parse_decimal_text(raw: str) -> Decimal:
    text = _SPACES.sub("", raw).replace("€", "").replace("EUR", "").replace("%", "").replace("'", "")
    if text.startswith("+"):
        text = text[1:]
    if "," in text and "." in text:
        # The last separator is the decimal one: "1.234,56" or "1,234.56".
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        if text.count(",") > 1:
            raise ValidationError(f"Nombre invalide « {raw} » : utilisez la virgule pour les décimales (1 234,56).")
        text = text.replace(",", ".")
    elif text.count(".") > 1:
        text = text.replace(".", "")  # "1.234.567" written with dots as thousands separators
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        raise ValidationError(f"Nombre invalide « {raw} » : attendu par exemple 1 234,56.")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValidationError(f"Nombre invalide « {raw} ».") from None


def parse_int(value, *, minimum: int | None = 0, maximum: int | None = None) -> int | None:
    """A whole number; '1 200' and 1200.0 are accepted, 12.5 is not."""
    number = parse_decimal(value, places=6, minimum=None)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValidationError(f"Nombre entier attendu, pas « {value} ».")
    result = int(number)
    if minimum is not None and result < minimum:
        raise ValidationError(f"Valeur invalide « {value} » : elle doit être supérieure ou égale à {minimum}.")
    if maximum is not None and result > maximum:
        raise ValidationError(f"Valeur invalide « {value} » : elle doit être inférieure ou égale à {maximum}.")
    return result


_DATE_FR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+)?$")


def parse_date(value) -> date | None:
    """A date from a date cell, 'dd/mm/yyyy' or 'yyyy-mm-dd', between 1900 and 2100."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    else:
        text = str(value).strip()
        try:
            if m := _DATE_FR.match(text):
                result = date(int(m[3]), int(m[2]), int(m[1]))
            elif m := _DATE_ISO.match(text):
                result = date(int(m[1]), int(m[2]), int(m[3]))
            else:
                raise ValidationError(f"Date invalide « {value} » : attendu jj/mm/aaaa (07/03/2025).")
        except ValueError:
            raise ValidationError(f"Date inexistante « {value} ».") from None
    if not (MIN_DATE <= result <= MAX_DATE):
        raise ValidationError(f"Date hors limites « {value} » : elle doit être comprise entre 1900 et 2100.")
    return result


_TRUE = {"oui", "o", "vrai", "1", "x", "true", "yes", "y", "v"}
_FALSE = {"non", "n", "faux", "0", "false", "no", "f", ""}


def parse_bool(value, *, empty: bool | None = False) -> bool | None:
    """Oui/Non, O/N, Vrai/Faux, 1/0, x/empty, TRUE/FALSE; ``empty`` is what an empty value means."""
    if value is None:
        return empty
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise ValidationError(f"Valeur oui/non invalide « {value} » : attendu Oui ou Non.")
    text = fold(str(value))
    if text == "":
        return empty
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationError(f"Valeur oui/non invalide « {value} » : attendu Oui ou Non.")


def parse_coordinate(value, *, kind: str) -> float | None:
    """A latitude (−90..90) or longitude (−180..180) in decimal degrees."""
    limit = 90 if kind == "latitude" else 180
    number = parse_decimal(value, places=7, minimum=None)
    if number is None:
        return None
    if not (-limit <= number <= limit):
        raise ValidationError(f"{kind.capitalize()} hors limites « {value} » : entre −{limit} et {limit} degrés.")
    return float(number)


_COMBINING_MARKS = re.compile("[\u0300-\u036f]")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str | None) -> str:
    """Case-, accent- and punctuation-insensitive form used for matching and search ('Vieux-Lille' -> 'vieux lille')."""
    if not text:
        return ""
    # Accents come off by decomposition (fast, in C); Unidecode transliterates whatever is left ("œ", "ß", "’").
    text = _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", str(text)))
    if not text.isascii():
        text = unidecode(text)
    return _NOT_ALNUM.sub(" ", text.lower()).strip()


def french_sort_key(text: str | None) -> tuple[str, str, str]:
    """Sort key of French alphabetical order: letters first, then accents, then case, punctuation aside
    ('Économie' files under E between 'Eau' and 'Ferme', where code points would put it after 'Zèbre')."""
    text = text or ""
    return fold(text), text.casefold(), text


def format_money(value: Decimal | None) -> str:
    """'1 234,56 €' (French format), or '' for None."""
    if value is None:
        return ""
    return format_currency(value, "EUR", locale="fr_FR")


def format_number(value) -> str:
    """A number in French format ('1 234,5'), or '' for None."""
    if value is None:
        return ""
    return format_decimal(value, locale="fr_FR")


def format_exact(value) -> str:
    """A number in French format with every digit it holds ('50,623889'; a float as its shortest repr), so that
    reading it back gives the same value; '' for None."""
    if value is None:
        return ""
    number = Decimal(repr(value)) if isinstance(value, float) else value
    return format_decimal(number, locale="fr_FR", decimal_quantization=False)


def format_date(value: date | None) -> str:
    """'07/03/2025', or '' for None."""
    return value.strftime("%d/%m/%Y") if value else ""
