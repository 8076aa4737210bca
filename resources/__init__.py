"""Files the project ships (icons, style sheets, vocabularies, small models); none are needed yet."""
