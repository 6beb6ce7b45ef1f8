## Texts added by the #16 new-user pass.

# "вся Россия" typed where /alerts asks for one region.
newuser-alerts-all-typed = Чтобы получать предупреждения по всей России, нажмите «🇷🇺 Вся Россия». Или напишите один регион или город.
