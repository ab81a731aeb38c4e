# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'new_subsidiary.ui'
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
from PySide6.QtWidgets import (QAbstractButton, QApplication, QDialog, QDialogButtonBox,
    QFormLayout, QLabel, QLineEdit, QSizePolicy,
    QWidget)

class Ui_newSubsidiary(object):
    def setupUi(self, newSubsidiary):
        if not newSubsidiary.objectName():
            newSubsidiary.setObjectName(u"newSubsidiary")
        self.form = QFormLayout(newSubsidiary)
        self.form.setObjectName(u"form")
        self.label_name = QLabel(newSubsidiary)
        self.label_name.setObjectName(u"label_name")

        self.form.setWidget(0, QFormLayout.ItemRole.LabelRole, self.label_name)

        self.field_name = QLineEdit(newSubsidiary)
        self.field_name.setObjectName(u"field_name")

        self.form.setWidget(0, QFormLayout.ItemRole.FieldRole, self.field_name)

        self.label_legal_name = QLabel(newSubsidiary)
        self.label_legal_name.setObjectName(u"label_legal_name")

        self.form.setWidget(1, QFormLayout.ItemRole.LabelRole, self.label_legal_name)

        self.field_legal_name = QLineEdit(newSubsidiary)
        self.field_legal_name.setObjectName(u"field_legal_name")

        self.form.setWidget(1, QFormLayout.ItemRole.FieldRole, self.field_legal_name)

        self.label_mc_number = QLabel(newSubsidiary)
        self.label_mc_number.setObjectName(u"label_mc_number")

        self.form.setWidget(2, QFormLayout.ItemRole.LabelRole, self.label_mc_number)

        self.field_mc_number = QLineEdit(newSubsidiary)
        self.field_mc_number.setObjectName(u"field_mc_number")

        self.form.setWidget(2, QFormLayout.ItemRole.FieldRole, self.field_mc_number)

        self.label_dot_number = QLabel(newSubsidiary)
        self.label_dot_number.setObjectName(u"label_dot_number")

        self.form.setWidget(3, QFormLayout.ItemRole.LabelRole, self.label_dot_number)

        self.field_dot_number = QLineEdit(newSubsidiary)
        self.field_dot_number.setObjectName(u"field_dot_number")

        self.form.setWidget(3, QFormLayout.ItemRole.FieldRole, self.field_dot_number)

        self.label_address = QLabel(newSubsidiary)
        self.label_address.setObjectName(u"label_address")

        self.form.setWidget(4, QFormLayout.ItemRole.LabelRole, self.label_address)

        self.field_address = QLineEdit(newSubsidiary)
        self.field_address.setObjectName(u"field_address")

        self.form.setWidget(4, QFormLayout.ItemRole.FieldRole, self.field_address)

        self.label_city = QLabel(newSubsidiary)
        self.label_city.setObjectName(u"label_city")

        self.form.setWidget(5, QFormLayout.ItemRole.LabelRole, self.label_city)

        self.field_city = QLineEdit(newSubsidiary)
        self.field_city.setObjectName(u"field_city")

        self.form.setWidget(5, QFormLayout.ItemRole.FieldRole, self.field_city)

        self.label_state = QLabel(newSubsidiary)
        self.label_state.setObjectName(u"label_state")

        self.form.setWidget(6, QFormLayout.ItemRole.LabelRole, self.label_state)

        self.field_state = QLineEdit(newSubsidiary)
        self.field_state.setObjectName(u"field_state")

        self.form.setWidget(6, QFormLayout.ItemRole.FieldRole, self.field_state)

        self.label_zip_code = QLabel(newSubsidiary)
        self.label_zip_code.setObjectName(u"label_zip_code")

        self.form.setWidget(7, QFormLayout.ItemRole.LabelRole, self.label_zip_code)

        self.field_zip_code = QLineEdit(newSubsidiary)
        self.field_zip_code.setObjectName(u"field_zip_code")

        self.form.setWidget(7, QFormLayout.ItemRole.FieldRole, self.field_zip_code)

        self.label_phone = QLabel(newSubsidiary)
        self.label_phone.setObjectName(u"label_phone")

        self.form.setWidget(8, QFormLayout.ItemRole.LabelRole, self.label_phone)

        self.field_phone = QLineEdit(newSubsidiary)
        self.field_phone.setObjectName(u"field_phone")

        self.form.setWidget(8, QFormLayout.ItemRole.FieldRole, self.field_phone)

        self.label_email = QLabel(newSubsidiary)
        self.label_email.setObjectName(u"label_email")

        self.form.setWidget(9, QFormLayout.ItemRole.LabelRole, self.label_email)

        self.field_email = QLineEdit(newSubsidiary)
        self.field_email.setObjectName(u"field_email")

        self.form.setWidget(9, QFormLayout.ItemRole.FieldRole, self.field_email)

        self.buttons = QDialogButtonBox(newSubsidiary)
        self.buttons.setObjectName(u"buttons")
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Cancel|QDialogButtonBox.StandardButton.Ok)

        self.form.setWidget(10, QFormLayout.ItemRole.SpanningRole, self.buttons)

#if QT_CONFIG(shortcut)
        self.label_name.setBuddy(self.field_name)
        self.label_legal_name.setBuddy(self.field_legal_name)
        self.label_mc_number.setBuddy(self.field_mc_number)
        self.label_dot_number.setBuddy(self.field_dot_number)
        self.label_address.setBuddy(self.field_address)
        self.label_city.setBuddy(self.field_city)
        self.label_state.setBuddy(self.field_state)
        self.label_zip_code.setBuddy(self.field_zip_code)
        self.label_phone.setBuddy(self.field_phone)
        self.label_email.setBuddy(self.field_email)
#endif // QT_CONFIG(shortcut)

        self.retranslateUi(newSubsidiary)
        self.buttons.accepted.connect(newSubsidiary.accept)
        self.buttons.rejected.connect(newSubsidiary.reject)

        QMetaObject.connectSlotsByName(newSubsidiary)
    # setupUi

    def retranslateUi(self, newSubsidiary):
        newSubsidiary.setWindowTitle(QCoreApplication.translate("newSubsidiary", u"New subsidiary", None))
        self.label_name.setText(QCoreApplication.translate("newSubsidiary", u"Name", None))
        self.label_legal_name.setText(QCoreApplication.translate("newSubsidiary", u"Legal name", None))
        self.label_mc_number.setText(QCoreApplication.translate("newSubsidiary", u"MC number", None))
        self.label_dot_number.setText(QCoreApplication.translate("newSubsidiary", u"DOT number", None))
        self.label_address.setText(QCoreApplication.translate("newSubsidiary", u"Address", None))
        self.label_city.setText(QCoreApplication.translate("newSubsidiary", u"City", None))
        self.label_state.setText(QCoreApplication.translate("newSubsidiary", u"State", None))
        self.label_zip_code.setText(QCoreApplication.translate("newSubsidiary", u"ZIP", None))
        self.label_phone.setText(QCoreApplication.translate("newSubsidiary", u"Phone", None))
        self.label_email.setText(QCoreApplication.translate("newSubsidiary", u"Email", None))
    # retranslateUi

