"""Realistic resident replies to "is it fixed?", in every language the gateway speaks, and the
verdict the reply policy (yes / no / unclear / opt_out / opt_in) gives each of them.

Each row is (reply, expected, why, language): `language` is the case's language, the one she was
texted in; the reply itself may be in another. The reply reader's tests are built from this
table (tests/test_replies.py): a new wording is one more row, in its language's file.
"""

from tests.reply_table_ar import ROWS as AR
from tests.reply_table_nl_en import ROWS as NL_EN
from tests.reply_table_pl import ROWS as PL
from tests.reply_table_tr import ROWS as TR
from tests.reply_table_uk import ROWS as UK

ROWS = NL_EN + TR + AR + PL + UK
