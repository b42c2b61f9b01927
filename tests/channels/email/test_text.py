"""Timeline text: quoted history, signatures, HTML to text, safe HTML, flowed text."""

from __future__ import annotations

import pytest

from throughline.channels.email import html_to_text, sanitise_html, strip_quoted
from throughline.channels.email.text import unflow

NEW = "Danke, jetzt geht es wieder."

# --- quoted history in the clients and languages our customers write in


@pytest.mark.parametrize(
    "history",
    [
        pytest.param(
            "On Mon, Mar 2, 2026 at 9:14\u202fAM Ana at Acme Support <\n"
            "support@acme.example> wrote:\n\n> Hello,\n> please restart.\n",
            id="gmail-en-wrapped",
        ),
        pytest.param(
            "On 2 Mar 2026, at 09:14, Ana <support@acme.example> wrote:\n\n> Hello,\n",
            id="apple-en",
        ),
        pytest.param(
            "On Monday, March 2, 2026 9:14 AM, Ana <support@acme.example> wrote:\n> Hello,\n",
            id="outlook-web-en",
        ),
        pytest.param(
            "Am Mo., 2. März 2026 um 09:14 Uhr schrieb Ana <support@acme.example>:\n\n> Hallo,\n",
            id="gmail-de",
        ),
        pytest.param(
            "Am 02.03.2026 um 09:14 schrieb Ana at Acme Support:\n> Hallo,\n",
            id="thunderbird-de",
        ),
        pytest.param(
            "Le lun. 2 mars 2026 à 09:14, Ana <support@acme.example> a\u00a0écrit\u00a0:\n\n"
            "> Bonjour,\n",
            id="gmail-fr",
        ),
        pytest.param(
            "Le 2 mars 2026 à 09:14, Ana <support@acme.example> a écrit :\n\n> Bonjour,\n",
            id="apple-fr",
        ),
        pytest.param(
            "El lun, 2 mar 2026 a las 9:14, Ana (<support@acme.example>) escribió:\n\n> Hola,\n",
            id="gmail-es",
        ),
        pytest.param(
            "-----Original Message-----\nFrom: Ana\nSent: Monday, March 2, 2026 9:14 AM\n"
            "To: Jonas\nSubject: RE: Drucker\n\nHallo,\n",
            id="outlook-original-message",
        ),
        pytest.param(
            "________________________________\n"
            "Von: Ana at Acme Support <support@acme.example>\n"
            "Gesendet: Montag, 2. März 2026 09:14\n"
            "An: Jonas Keller <jonas@keller-soehne.example>\n"
            "Betreff: [TL-1042] Drucker\n\nHallo Jonas,\n",
            id="outlook-de",
        ),
        pytest.param(
            "De : Ana <support@acme.example>\nEnvoyé : lundi 2 mars 2026 09:14\n"
            "À : François <francois@orange.example>\nObjet : [TL-1045] Imprimante\n\nBonjour,\n",
            id="outlook-fr",
        ),
        pytest.param(
            "De: Ana <support@acme.example>\nEnviado el: lunes, 2 de marzo de 2026 9:14\n"
            "Para: Lucía <lucia@example.es>\nAsunto: [TL-1049] Impresora\n\nHola,\n",
            id="outlook-es",
        ),
        pytest.param(
            "From: Ana <support@acme.example>\nDate: Monday, 2 March 2026 at 09:14\n"
            "To: Jonas <jonas@keller-soehne.example>\nSubject: Printer\n\nHello,\n",
            id="outlook-mac",
        ),
    ],
)
def test_history_below_the_new_text_is_removed(history: str) -> None:
    assert strip_quoted(f"{NEW}\n\n{history}") == NEW


def test_gmail_quote_in_html_converted_text_is_removed() -> None:
    html = (
        '<div dir="ltr">Works now, thanks!</div><br><div class="gmail_quote">'
        '<div dir="ltr" class="gmail_attr">On Mon, Mar 2, 2026 at 9:14 AM Ana &lt;'
        '<a href="mailto:support@acme.example">support@acme.example</a>&gt; wrote:<br></div>'
        '<blockquote class="gmail_quote">Hello,<br>please restart.</blockquote></div>'
    )
    assert strip_quoted(html_to_text(html)) == "Works now, thanks!"


def test_trailing_quote_without_attribution_is_removed() -> None:
    assert strip_quoted("Yes.\n\n> Is it plugged in?\n> \n> Ana\n") == "Yes."


def test_interleaved_answers_keep_their_questions() -> None:
    text = (
        "On 12/03/2026 17:02, Ana wrote:\n"
        "> Which firmware?\n"
        "\n"
        "4.2.1\n"
        "\n"
        "> Cable or Wi-Fi?\n"
        "\n"
        "Cable.\n"
        "\n"
        "> Anything else?\n"
    )
    # The last question went unanswered: the trailing quote is dropped, the rest stays.
    assert strip_quoted(text) == (
        "On 12/03/2026 17:02, Ana wrote:\n> Which firmware?\n\n4.2.1\n\n> Cable or Wi-Fi?\n\nCable."
    )


def test_bottom_posted_reply_with_signature_keeps_the_answer() -> None:
    text = "On 12/03/2026 17:02, Ana wrote:\n> Which firmware?\n\n4.2.1\n\n-- \nTom\n"
    assert strip_quoted(text) == "On 12/03/2026 17:02, Ana wrote:\n> Which firmware?\n\n4.2.1"


def test_top_posted_reply_with_signature_under_the_quote_is_not_interleaved() -> None:
    text = "Fixed, thanks.\n\nOn 12/03/2026 17:02, Ana wrote:\n> Try this.\n\n-- \nTom\n"
    assert strip_quoted(text) == "Fixed, thanks."


def test_signature_after_the_standard_delimiter_is_removed() -> None:
    text = "The log is attached.\n\n-- \nMaria Keller\nOffice Manager\n+49 30 1234567\n"
    assert strip_quoted(text) == "The log is attached."


def test_bare_double_dash_only_counts_before_a_short_signature() -> None:
    grep_output = "Here is the grep output:\n\nline 1\n--\n" + "".join(
        f"match {i}\n" for i in range(12)
    )
    assert strip_quoted(grep_output) == grep_output.strip()
    assert strip_quoted("Thanks!\n--\nJane\nACME\n") == "Thanks!"


@pytest.mark.parametrize(
    "footer",
    [
        "Sent from my iPhone",
        "Sent from my Samsung Galaxy smartphone.",
        "Sent from Mail for Windows",
        "Get Outlook for iOS",
        "Sent from Outlook for Android",
        "Von meinem iPhone gesendet",
        "Gesendet von meinem iPad",
        "Envoyé de mon iPhone",
        "Enviado desde mi iPhone",
    ],
)
def test_mobile_footers_are_removed(footer: str) -> None:
    assert strip_quoted(f"{NEW}\n\n{footer}\n") == NEW


def test_a_sentence_that_starts_like_a_footer_is_kept() -> None:
    text = "The printer is fine.\nSent from my laptop the logs are attached now"
    assert strip_quoted(text) == text


def test_prose_that_looks_like_an_attribution_is_kept() -> None:
    text = "On Monday I wrote:\nthe printer is broken. It still is."
    assert strip_quoted(text) == text


def test_forwarded_mail_below_a_forward_marker_is_kept() -> None:
    text = (
        "FYI, this came from the vendor.\n\n"
        "---------- Forwarded message ---------\n"
        "From: Vendor <info@vendor.example>\n"
        "Date: Mon, Mar 2, 2026 at 9:14 AM\n"
        "Subject: Recall notice\n"
        "To: <jonas@keller-soehne.example>\n\n"
        "Model X200 power supplies are recalled.\n"
    )
    assert strip_quoted(text) == text.strip()


def test_a_message_that_is_only_quote_falls_back_to_everything() -> None:
    text = "> Is it plugged in?\n> Ana\n"
    assert strip_quoted(text) == "> Is it plugged in?\n> Ana"


def test_a_message_that_is_only_a_signature_falls_back_to_everything() -> None:
    assert strip_quoted("-- \nMaria Keller\n") == "-- \nMaria Keller"


def test_empty_text_stays_empty() -> None:
    assert strip_quoted("") == ""
    assert strip_quoted("\n\n  \n") == ""


# --- HTML to text


def test_paragraphs_line_breaks_and_entities() -> None:
    html = "<p>Hello&nbsp;Ana,</p><p>line one<br>line two<br/>line&#160;three</p><p>&lt;ok&gt;</p>"
    assert html_to_text(html) == "Hello Ana,\n\nline one\nline two\nline three\n\n<ok>"


def test_lists_keep_their_bullets_and_numbers() -> None:
    html = (
        "<p>Tried:</p><ol><li>Restart</li><li>Reset<ul><li>soft</li><li>hard</li></ul></li>"
        '</ol><ol start="7"><li>seventh</li></ol>'
    )
    assert html_to_text(html) == (
        "Tried:\n\n1. Restart\n2. Reset\n  - soft\n  - hard\n\n7. seventh"
    )


def test_links_show_their_target_once() -> None:
    html = (
        '<a href="https://status.example/1">status page</a>, '
        '<a href="https://docs.example/">https://docs.example/</a>, '
        '<a href="mailto:it@example.com?subject=x">it@example.com</a>, '
        '<a href="mailto:it@example.com">the IT team</a>, '
        '<a href="javascript:void(0)">click</a>'
    )
    assert html_to_text(html) == (
        "status page (https://status.example/1), https://docs.example/, it@example.com, "
        "the IT team (it@example.com), click"
    )


def test_scripts_styles_and_head_are_dropped() -> None:
    html = (
        "<html><head><title>T</title><style>p{color:red}</style></head>"
        "<body><script>alert(1)</script><p>Visible</p><noscript>also visible</noscript>"
        "</body></html>"
    )
    assert html_to_text(html) == "Visible\n\nalso visible"


def test_unclosed_head_does_not_hide_the_body() -> None:
    assert html_to_text("<html><head><meta charset=utf-8><body><p>Hello</p>") == "Hello"


def test_blockquote_becomes_a_quote_and_pre_keeps_its_layout() -> None:
    html = (
        "<p>See:</p><blockquote>old<blockquote>older</blockquote></blockquote><pre>a  b\n  c</pre>"
    )
    assert html_to_text(html) == "See:\n\n> old\n\n>> older\n\na  b\n  c"


def test_table_cells_stay_apart() -> None:
    html = "<table><tr><td>Model</td><td>X200</td></tr><tr><td>Serial</td><td>42</td></tr></table>"
    assert html_to_text(html) == "Model  X200\nSerial  42"


def test_outlook_paragraphs_are_lines_and_empty_ones_blank_lines() -> None:
    html = (
        '<p class="MsoNormal">Hi,<o:p></o:p></p><p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
        '<p class="MsoNormal">first line<o:p></o:p></p><p class="MsoNormal">second line</p>'
        '<p class="MsoListParagraph"><![if !supportLists]>1.&nbsp;<![endif]>item</p>'
    )
    assert html_to_text(html) == "Hi,\n\nfirst line\nsecond line\n1. item"


def test_gmail_divs_with_br_make_blank_lines() -> None:
    html = "<div>Hi,</div><div><br></div><div>text</div><div>more<br></div>"
    assert html_to_text(html) == "Hi,\n\ntext\nmore"


@pytest.mark.parametrize(
    "html",
    [
        "<p>unclosed <b>bold <i>italic",
        "</div></p></li></ol></blockquote>stray end tags",
        "<<<>>><a href=>x</a><img src>",
        "<![CDATA[x]]><!DOCTYPE html><?php echo 1 ?><!-- unterminated comment",
        "<script>never closed",
        "\x00\x01<p>\ufffd</p>",
    ],
)
def test_broken_html_never_raises(html: str) -> None:
    assert isinstance(html_to_text(html), str)
    assert isinstance(sanitise_html(html), str)


# --- safe HTML


@pytest.mark.parametrize(
    ("html", "forbidden"),
    [
        ("<p>x</p><script>alert(1)</script>", "alert"),
        ('<img src="cid:a@b" onerror="alert(1)">', "onerror"),
        ('<a href="javascript:alert(1)">x</a>', "javascript"),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', "javascript"),
        ('<a href="&#106;avascript:alert(1)">x</a>', "avascript"),
        ('<a href="  javascript:alert(1)">x</a>', "javascript"),
        ('<img src="https://tracker.example/p.gif">', "tracker.example"),
        ('<img src="//tracker.example/p.gif">', "tracker.example"),
        ('<img src="data:image/png;base64,AAAA">', "data:"),
        ('<div style="background:url(https://tracker.example/x)">x</div>', "tracker.example"),
        ('<iframe src="https://evil.example"></iframe>', "evil.example"),
        ('<form action="https://evil.example"><input></form>', "evil.example"),
        ('<svg><a xlink:href="javascript:alert(1)">x</a></svg>', "javascript"),
        ('<meta http-equiv="refresh" content="0;url=https://evil.example">', "evil.example"),
        ('<base href="https://evil.example/">', "evil.example"),
        ("<style>@import url(https://evil.example/x.css);</style>", "evil.example"),
    ],
)
def test_sanitised_html_drops_active_and_remote_content(html: str, forbidden: str) -> None:
    assert forbidden not in sanitise_html(html).lower()


def test_sanitised_html_keeps_cid_images_and_safe_links() -> None:
    html = (
        '<p>Screenshot:</p><img src="cid:image001.png@01DC" alt="error">'
        '<a href="https://status.example/1" target="_blank">status</a>'
        '<a href="mailto:it@example.com">mail</a>'
    )
    assert sanitise_html(html) == (
        '<p>Screenshot:</p><img src="cid:image001.png@01DC" alt="error">'
        '<a href="https://status.example/1" rel="noopener noreferrer">status</a>'
        '<a href="mailto:it@example.com" rel="noopener noreferrer">mail</a>'
    )


# --- format=flowed


def test_flowed_soft_breaks_are_joined() -> None:
    flowed = "This is a long \nparagraph that \nwraps.\nNew line.\n"
    assert unflow(flowed) == "This is a long paragraph that wraps.\nNew line.\n"


def test_flowed_quotes_space_stuffing_and_signature() -> None:
    flowed = "> quoted \n> text\n From here\n-- \nsig\n"
    assert unflow(flowed) == "> quoted text\nFrom here\n-- \nsig\n"


def test_flowed_delsp_removes_the_soft_space() -> None:
    assert unflow("日本語の \nテキスト\n", delsp=True) == "日本語のテキスト\n"


# --- hostile sizes: mails crafted to be slow. Quadratic scanning of these took minutes and
# would show at once in the suite's run time; speed itself is measured in the benchmarks.


def test_many_attribution_like_lines() -> None:
    text = "\n".join(["On 1 Jan 2026, x wrote:"] * 30_000 + ["> q", "answer"])
    assert strip_quoted(text) == text  # every "attribution" is followed by an inline answer


def test_deeply_nested_outlook_paragraphs() -> None:
    # Every empty Outlook paragraph is a blank line, found by looking back at it.
    html = '<p class="MsoNormal">' * 20_000 + "</p>" * 20_000 + "<p>word</p>"
    assert html_to_text(html) == "word"
