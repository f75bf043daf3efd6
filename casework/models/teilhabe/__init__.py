"""Teilhabemanagement ("Gemeinsam klappt's", Förderbaustein 6), pure domain code — dates
in, German reasons out (sources-reference §3.14, §4.6): who is eligible
(`eligibility`), clients, caseload and the waiting list (`clients`), the intake
questionnaire (`intake`), measures (`measures`) and the funding rules (`funding`)."""
