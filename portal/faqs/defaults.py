"""The general questions every trial page answers (after the model page), in plain language."""

DEFAULT_FAQS: list[tuple[str, str]] = [
    (
        "What is a clinical trial?",
        "A clinical trial is a research study with people. It tests whether a new treatment, test or way of "
        "caring for people is safe and whether it works.",
    ),
    (
        "Why should I take part in a clinical trial?",
        "You may get a new treatment before it is widely available. You also help doctors learn things that "
        "can help other people with the same condition. Taking part is always your choice.",
    ),
    (
        "How long does a clinical trial take?",
        "It depends on the trial. Some last a few weeks, others several years. The study team will tell you "
        "how long you would take part and how often you would visit.",
    ),
    (
        "Do I get paid for taking part in a clinical trial?",
        "It depends on the trial. Some pay you for your time or pay back your travel costs. Others do not. "
        "Ask the study team before you decide.",
    ),
    (
        "How safe are clinical trials?",
        "Clinical trials follow strict rules to protect the people who take part. Doctors and independent "
        "review boards check on safety during the whole trial. You can leave a trial at any time.",
    ),
]
