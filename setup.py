"""Packages of the wheel. Everything else is in pyproject.toml.

The top-level `resources/` folder (fonts, profiles, questionnaires, rules, icon, .desktop
file) is installed as the package data `casework_resources`; `casework.resources.files`
reads it from there, or from the folder itself in a source checkout.
"""

from setuptools import find_namespace_packages, find_packages, setup

DATA = ["casework_resources",
        *(f"casework_resources.{name}" for name in find_namespace_packages(where="resources"))]

setup(
    packages=[*find_packages(include=["casework", "casework.*"]), *DATA],
    package_dir={"casework_resources": "resources"},
    package_data={name: ["*"] for name in DATA},
)
