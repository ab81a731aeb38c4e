# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'important_info.ui'
##
## Created by: Qt User Interface Compiler version 6.11.3
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from PySide6.QtCore import (QCoreApplication, QDate, QDateTime, QLocale,
    QMetaObject, QObject, QPoint, QRect,
    QSize, QTime, QUrl, Qt)
from PySide6.QtGui import (QBrush, QColor, QConicalGradient, QCursor,
    QFont, QFontDatabase, QGradient, QIcon,
    QImage, QKeySequence, QLinearGradient, QPainter,
    QPalette, QPixmap, QRadialGradient, QTransform)
from PySide6.QtWidgets import (QApplication, QComboBox, QDialog, QFormLayout,
    QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
    QSizePolicy, QSpacerItem, QVBoxLayout, QWidget)

from factor_desk.gui.common import PrimaryButton

class Ui_manageImportantInfo(object):
    def setupUi(self, manageImportantInfo):
        if not manageImportantInfo.objectName():
            manageImportantInfo.setObjectName(u"manageImportantInfo")
        manageImportantInfo.resize(620, 420)
        self.layout = QVBoxLayout(manageImportantInfo)
        self.layout.setObjectName(u"layout")
        self.form = QFormLayout()
        self.form.setObjectName(u"form")
        self.kindLabel = QLabel(manageImportantInfo)
        self.kindLabel.setObjectName(u"kindLabel")

        self.form.setWidget(0, QFormLayout.ItemRole.LabelRole, self.kindLabel)

        self.kind = QComboBox(manageImportantInfo)
        self.kind.setObjectName(u"kind")

        self.form.setWidget(0, QFormLayout.ItemRole.FieldRole, self.kind)


        self.layout.addLayout(self.form)

        self.note = QLabel(manageImportantInfo)
        self.note.setObjectName(u"note")
        self.note.setStyleSheet(u"color: palette(placeholder-text);")
        self.note.setWordWrap(True)

        self.layout.addWidget(self.note)

        self.textLabel = QLabel(manageImportantInfo)
        self.textLabel.setObjectName(u"textLabel")

        self.layout.addWidget(self.textLabel)

        self.text = QPlainTextEdit(manageImportantInfo)
        self.text.setObjectName(u"text")

        self.layout.addWidget(self.text)

        self.buttons = QHBoxLayout()
        self.buttons.setObjectName(u"buttons")
        self.buttonsSpacer = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.buttons.addItem(self.buttonsSpacer)

        self.cancel = QPushButton(manageImportantInfo)
        self.cancel.setObjectName(u"cancel")

        self.buttons.addWidget(self.cancel)

        self.save = PrimaryButton(manageImportantInfo)
        self.save.setObjectName(u"save")

        self.buttons.addWidget(self.save)

        self.buttons.setStretch(0, 1)

        self.layout.addLayout(self.buttons)

        self.layout.setStretch(3, 1)
#if QT_CONFIG(shortcut)
        self.kindLabel.setBuddy(self.kind)
#endif // QT_CONFIG(shortcut)

        self.retranslateUi(manageImportantInfo)
        self.cancel.clicked.connect(manageImportantInfo.reject)

        QMetaObject.connectSlotsByName(manageImportantInfo)
    # setupUi

    def retranslateUi(self, manageImportantInfo):
        manageImportantInfo.setWindowTitle(QCoreApplication.translate("manageImportantInfo", u"Manage Important Info", None))
        self.kindLabel.setText(QCoreApplication.translate("manageImportantInfo", u"Kind", None))
        self.textLabel.setText(QCoreApplication.translate("manageImportantInfo", u"Text", None))
        self.text.setPlaceholderText(QCoreApplication.translate("manageImportantInfo", u"Paste the text your factoring company gave you, exactly as they gave it.", None))
        self.cancel.setText(QCoreApplication.translate("manageImportantInfo", u"Cancel", None))
        self.save.setText(QCoreApplication.translate("manageImportantInfo", u"Save", None))
    # retranslateUi

