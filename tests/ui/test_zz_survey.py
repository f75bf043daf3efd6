import time
from pathlib import Path
import pytest
from tests.ui.fit import problems
from tests.ui.conftest import unlock
from casework.ui.registry import SCREENS
from casework.clock import FixedClock
from casework.services import demo, session as session_service
from tests.conftest import NOW

def test_survey(qtbot, window, tmp_path):
    t=time.time()
    folder = tmp_path / "v"
    s = session_service.create(folder, demo.DEMO_PASSPHRASE, FixedClock(NOW), owner_name="Lena Beispiel", memory_security=False)
    demo.fill(s, 10, contacts_per_family=4)
    s.close()
    print("vault", time.time()-t)
    unlock(qtbot, window, folder, demo.DEMO_PASSPHRASE)
    ws = window.workspace
    out = []
    for W,H in ((1366,738),(1093,590)):
      for sc in SCREENS:
        ws.show_page(sc.key)
        out += [f"{W} [{sc.key}] {p}" for p in problems(window,W,H)]
      from casework.services.kinderschutz import procedures as ks
      ids = {p.household_id for p in ks.list_procedures(window.ctx.session)}
      for hid in list(ids)[:3]:
        page = ws.open_family(hid)
        for i in range(page.tabs.count()):
            page.tabs.setCurrentIndex(i)
            out += [f"{W} [{hid[:4]} tab {page.tabs.tabText(i)}] {p}" for p in problems(window,W,H)]
    print("\n".join(sorted(set(out))))
    from PySide6.QtWidgets import QWidget
    def walk(w, depth=0):
        m = w.minimumSizeHint(); mm = w.minimumSize()
        big = max(m.width(), mm.width()) > 600 or max(m.height(), mm.height()) > 500
        if big and w.isVisibleTo(window) or depth == 0:
            print("  "*depth, type(w).__name__, w.accessibleName() or w.objectName(), m, mm)
            for c in w.findChildren(QWidget, options=__import__("PySide6.QtCore",fromlist=["Qt"]).Qt.FindChildOption.FindDirectChildrenOnly):
                walk(c, depth+1)
    for i in range(page.tabs.count()):
        w = page.tabs.widget(i)
        print("TAB", page.tabs.tabText(i), w.minimumSizeHint())
    st = ws.stack
    for i in range(st.count()):
        print("PAGE", type(st.widget(i)).__name__, st.widget(i).minimumSizeHint())
    def deep(w, d=0):
        for c in w.findChildren(QWidget, options=__import__("PySide6.QtCore",fromlist=["Qt"]).Qt.FindChildOption.FindDirectChildrenOnly):
            if c.minimumSizeHint().width() > 690 and not c.isWindow():
                print("  "*d, type(c).__name__, c.accessibleName() or c.objectName(), c.minimumSizeHint())
                deep(c, d+1)
    for i in range(page.tabs.count()):
        print("DEEP", page.tabs.tabText(i)); deep(page.tabs.widget(i))
    for i in range(st.count()):
        print("DEEPPAGE", type(st.widget(i)).__name__); deep(st.widget(i))
    print("total", time.time()-t)
