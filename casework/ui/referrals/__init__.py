"""Referrals (Vermittlungen): the screen and the family tab."""
